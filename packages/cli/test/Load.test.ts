import { ActivationResponse, ContainerFactory, Errors } from "@effect-whisk/core"
import type { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import * as LoadSummary from "../src/internal/loadSummary.js"
import { poolLayers, runCli } from "./support/mockWhisk.js"

const hello = fileURLToPath(new URL("../../../examples/hello.js", import.meta.url))

const record = (start: ContainerPool.StartKind, response = ActivationResponse.success({})): ContainerPool.Activation => ({
  activationId: "a",
  transactionId: "t",
  action: "/guest/hello",
  start,
  response,
  logs: [],
  timings: { wait: 0 },
  rescheduled: false
})

describe("the load summary", () => {
  it("nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1)
    assert.strictEqual(LoadSummary.percentile(sorted, 50), 50)
    assert.strictEqual(LoadSummary.percentile(sorted, 90), 90)
    assert.strictEqual(LoadSummary.percentile(sorted, 99), 99)
    assert.strictEqual(LoadSummary.percentile([7], 99), 7)
    assert.strictEqual(LoadSummary.percentile([1, 2, 3], 50), 2)
    assert.strictEqual(LoadSummary.percentile([], 50), 0)
  })

  it("counts start kinds and errors, and takes the percentiles of every record in any order", () => {
    const latencies = [30, 10, 20, 50, 40, 60, 70, 80, 90, 100]
    const samples: Array<LoadSummary.Sample> = latencies.map((latency, index) => ({
      _tag: "Record",
      latency,
      activation: record(
        index < 2 ? "Cold" : index === 2 ? "Prewarmed" : "Warm",
        index === 5 ? ActivationResponse.applicationError("nope") : ActivationResponse.success({})
      )
    }))
    samples.push({ _tag: "Failure", latency: 5, message: "The pool was closed" })
    const summary = LoadSummary.summarize(samples, { callers: 4, actions: 2, elapsed: 2000 })
    assert.deepStrictEqual(summary.starts, { cold: 2, prewarmed: 1, warm: 7 })
    assert.strictEqual(summary.activations, 11)
    assert.strictEqual(summary.throughput, 5.5)
    assert.strictEqual(summary.errors, 2)
    assert.strictEqual(summary.firstError, "application error: nope")
    assert.deepStrictEqual(summary.latency, { p50: 50, p90: 90, p99: 100 })
    assert.strictEqual(LoadSummary.exitStatus(summary), 1)
    assert.strictEqual(LoadSummary.exitStatus({ ...summary, errors: 0 }), 0)
    assert.strictEqual(LoadSummary.exitStatus({ ...summary, activations: 0 }), 3)
  })
})

interface JsonSummary {
  readonly callers: number
  readonly actions: number
  readonly activations: number
  readonly errors: number
  readonly firstError?: string
  readonly starts: { readonly warm: number; readonly prewarmed: number; readonly cold: number }
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number }
}

describe("effect-whisk load on the pool over the test factory", () => {
  it.live("--count bounds the run; one container per copy, the rest warm; one JSON object", () =>
    Effect.gen(function*() {
      const { status, stdout, stderr } = yield* runCli(
        "load", hello, "--callers", "1", "--actions", "3", "--count", "30", "--duration", "1m", "--json"
      )
      assert.strictEqual(status, 0, stderr)
      assert.strictEqual(stdout.trim().split("\n").length, 1)
      const summary = JSON.parse(stdout) as JsonSummary
      assert.strictEqual(summary.activations, 30)
      assert.strictEqual(summary.errors, 0)
      // One caller: never two activations of a copy at once, so one container per copy used.
      assert.isAtMost(summary.starts.cold, 3)
      assert.strictEqual(summary.starts.cold + summary.starts.prewarmed + summary.starts.warm, 30)
      assert.isAtLeast(summary.starts.warm, 27)
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.strictEqual(yield* calls.count("create"), summary.starts.cold)
      assert.strictEqual(yield* calls.count("destroy"), summary.starts.cold)
      assert.strictEqual(yield* calls.count("run"), 30)
    }).pipe(Effect.provide(poolLayers())))

  it.live("counts the activations that did not succeed and exits with 1", () => {
    let runs = 0
    return Effect.gen(function*() {
      const { status, stdout } = yield* runCli("load", hello, "--callers", "4", "--actions", "2", "--count", "40", "--json")
      assert.strictEqual(status, 1)
      const summary = JSON.parse(stdout) as JsonSummary
      assert.strictEqual(summary.activations, 40)
      assert.strictEqual(summary.errors, 10)
      assert.strictEqual(summary.firstError, "application error: every fourth")
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.strictEqual(yield* calls.count("create"), yield* calls.count("destroy"))
    }).pipe(Effect.provide(poolLayers({
      run: () =>
        Effect.sync(() =>
          ++runs % 4 === 0 ? ContainerFactory.answer(200, { error: "every fourth" }) : ContainerFactory.answer(200, { ok: true })
        )
    })))
  })

  it.live("counts failed creates as errors and says once on stderr why they failed", () =>
    Effect.gen(function*() {
      const { status, stdout, stderr } = yield* runCli("load", hello, "--callers", "2", "--actions", "1", "--count", "6", "--json")
      assert.strictEqual(status, 1)
      const summary = JSON.parse(stdout) as JsonSummary
      assert.strictEqual(summary.activations, 6)
      assert.strictEqual(summary.errors, 6)
      assert.deepStrictEqual(summary.starts, { warm: 0, prewarmed: 0, cold: 6 })
      assert.strictEqual(stderr.match(/could not be created: .*no room on the test engine/g)?.length, 1)
    }).pipe(Effect.provide(poolLayers({
      create: (request) =>
        Effect.fail(new Errors.WhiskContainerStartupError({ message: "no room on the test engine.", image: request.image }))
    }))))

  it.live("prints the summary for a person: activations, start kinds, latency percentiles", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("load", hello, "--callers", "2", "--actions", "1", "--count", "5")
      assert.strictEqual(status, 0)
      assert.match(stdout, /^load {8}hello ×1 · 2 callers · /)
      assert.match(stdout, /activations 5 · [\d.]+\/s · errors 0/)
      assert.match(stdout, /starts {6}warm \d+ · prewarmed 0 · cold \d+/)
      assert.match(stdout, /latency {5}p50 [\d.]+ ms · p90 [\d.]+ ms · p99 [\d.]+ ms/)
    }).pipe(Effect.provide(poolLayers())))

  for (const [args, message] of [
    [["--callers", "0"], "--callers '0' is not a whole number of at least 1"],
    [["--actions", "5000"], "--actions 5000 is more than 1024"],
    [["--duration", "20"], "--duration '20' is not a duration"],
    [["--memory-budget", "100m"], "--memory-budget 100m is less than one container's --memory 256m"]
  ] as const) {
    it.live(`load ${args.join(" ")}: a usage error that says what to change`, () =>
      Effect.gen(function*() {
        const { status, stderr } = yield* runCli("load", hello, ...args)
        assert.strictEqual(status, 4)
        assert.include(stderr, message)
        assert.strictEqual(yield* (yield* ContainerFactory.ContainerFactoryCalls).count("create"), 0)
      }).pipe(Effect.provide(poolLayers())))
  }
})

describe("effect-whisk invoke on the pool over the test factory", () => {
  it.live("--repeat 3: a cold start, then two warm ones in the same container, each with the pool's timings", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--repeat", "3", "--json")
      assert.strictEqual(status, 0)
      const report = JSON.parse(stdout) as {
        activations: ReadonlyArray<{ start: string; containerId: string; timings: Record<string, number> }>
      }
      assert.deepStrictEqual(report.activations.map((activation) => activation.start), ["cold", "warm", "warm"])
      assert.deepStrictEqual(
        report.activations.map((activation) => activation.containerId),
        ["test-container-1", "test-container-1", "test-container-1"]
      )
      assert.deepStrictEqual(report.activations.map((activation) => Object.keys(activation.timings)), [
        ["wait", "create", "init", "run", "logs"],
        ["wait", "run", "logs"],
        ["wait", "run", "logs"]
      ])
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.strictEqual(yield* calls.count("create"), 1)
      assert.strictEqual(yield* calls.count("destroy"), 1)
    }).pipe(Effect.provide(poolLayers())))

  it.live("the text report says each activation's start kind", () =>
    Effect.gen(function*() {
      const { stdout } = yield* runCli("invoke", hello, "--repeat", "2")
      assert.include(stdout, "activation 1/2: success (statusCode 0) · cold start in container test-contain")
      assert.include(stdout, "activation 2/2: success (statusCode 0) · warm start in container test-contain")
    }).pipe(Effect.provide(poolLayers())))
})
