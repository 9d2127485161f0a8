// initialize and run on real containers of the runtime image, through the live engine, runc and HTTP layers. No skip:
// scripts/test.sh (and CI) brings up the engine and builds the image first; here the image is only built when it is
// missing or out of date. Every container is created in its test's scope, so it is removed however the test ends.
// The tests run concurrently: each has its own container.
import { ActivationResponse, ByteSize, Messages, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect } from "effect"
import { beforeAll } from "vitest"
import { liveLayer } from "./support/liveLayer.js"

// A prefix of their own, so a cleanup of leftovers that another test runs at the same time leaves these alone.
const live = (config: WhiskConfig.Overrides = {}) =>
  liveLayer(ContainerHttpClient.layer, { ...config, container: { ...config.container, namePrefix: "ewit-calls" } })

beforeAll(() => ensureRuntimeImage(), 600_000)

// One action for every case; `kind` picks what it does. Its globals survive between runs of one container.
const action = `
let activations = 0
let inFlight = 0
let maxInFlight = 0
function main(params) {
  activations++
  switch (params.kind) {
    case "hello": return { greeting: "hello " + params.name, activations }
    case "reject": return Promise.reject(new Error("rejected on purpose"))
    case "throw": throw new Error("thrown on purpose")
    case "number": return 42
    case "sleep": return new Promise((resolve) => setTimeout(() => resolve({ slept: params.ms }), params.ms))
    case "allocate": { const keep = []; for (;;) keep.push(Buffer.alloc(8 * 1024 * 1024, 1)) }
    case "abort": process.abort()
    case "large": return { data: "x".repeat(params.bytes) }
    case "overlap":
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      return new Promise((resolve) => setTimeout(() => { inFlight--; resolve({ maxInFlight }) }, params.ms))
  }
}`

const initializer = { name: "calls", main: "main", binary: false, code: action }

const options = { timeout: Duration.seconds(20), maxConcurrent: 1 }

/** A runtime container with the action initialised; removed when the test's scope closes. */
const actionContainer = (create: Partial<DockerContainer.CreateOptions> = {}, maxConcurrent = 1) =>
  Effect.gen(function*() {
    const container = yield* DockerContainer.createScoped({ image: imageTag, userProvided: false, ...create })
    yield* container.initialize(initializer, { ...options, maxConcurrent })
    return container
  })

const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const a = yield* self
    return [a, (yield* Clock.currentTimeMillis) - start] as const
  })

describe.concurrent("initialize and run on real runtime containers", () => {
  it.scopedLive("hello: statusCode 0 and the action's result", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const outcome = yield* container.run({ kind: "hello", name: "world" }, { action_name: "/guest/hello" }, options)
      assert.strictEqual(outcome.response.statusCode, 0)
      assert.deepStrictEqual(outcome.response.result, { greeting: "hello world", activations: 1 })
      assert.isAbove(outcome.interval.end, 0)
      assert.isAtLeast(outcome.interval.millis, 0)
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("a rejected promise is an application error (statusCode 1)", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const outcome = yield* container.run({ kind: "reject" }, {}, options)
      assert.strictEqual(outcome.response.statusCode, 1)
      const error = (outcome.response.result as { error: { message: string } }).error
      assert.strictEqual(error.message, "rejected on purpose")
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("a throw is a developer error (statusCode 2), and the runtime takes no further activation", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const outcome = yield* container.run({ kind: "throw" }, {}, options)
      assert.strictEqual(outcome.response.statusCode, 2)
      assert.isTrue(outcome.response.isContainerError)
      assert.include((outcome.response.result as { error: string }).error, "thrown on purpose")
      const next = yield* container.run({ kind: "hello", name: "again" }, {}, options)
      assert.strictEqual(next.response.statusCode, 2)
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("a non-object result is a developer error with the runtime's message verbatim", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const outcome = yield* container.run({ kind: "number" }, {}, options)
      const message = "The action did not return a dictionary."
      const size = JSON.stringify({ error: message }).length
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(message, size))
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("a second /init is refused (403) and mapped as the original maps it: InitializationError", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const error = yield* Effect.flip(container.initialize(initializer, options))
      assert.strictEqual(error._tag, "InitializationError")
      if (error._tag === "InitializationError") {
        assert.strictEqual(error.response.statusCode, 2)
        assert.deepStrictEqual(error.response.result, { error: "Cannot initialize the action more than once." })
      }
      // The refusal did not break the runtime.
      const outcome = yield* container.run({ kind: "hello", name: "still" }, {}, options)
      assert.strictEqual(outcome.response.statusCode, 0)
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("an action that sleeps past its timeout exceeds its time limits", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const outcome = yield* container.run({ kind: "sleep", ms: 5_000 }, {}, { ...options, timeout: Duration.millis(500) })
      assert.deepStrictEqual(
        outcome.response,
        ActivationResponse.developerError("The action exceeded its time limits of 500 milliseconds.")
      )
      assert.isAtLeast(outcome.interval.millis, 500)
      assert.isBelow(outcome.interval.millis, 5_000)
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("an action that allocates past its memory limit exhausted its memory", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer({ memory: ByteSize.megabytes(128) })
      const outcome = yield* container.run({ kind: "allocate" }, {}, options)
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.memoryExhausted))
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("an action killed by a signal exited unexpectedly, reported as soon as the engine sees the exit", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const [outcome, millis] = yield* timed(container.run({ kind: "abort" }, {}, options))
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
      // Polling the OOM state for the whole window (20 s here) would take far longer.
      assert.isBelow(millis, 10_000)
    }).pipe(Effect.provide(live({ logs: { oom: { pollInterval: Duration.millis(5), window: Duration.seconds(20) } } }))), 60_000)

  it.scopedLive("a 5 MB answer with maxResponse 1 MB is a truncated application error", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      const bytes = 5 * 1024 * 1024
      const outcome = yield* container.run({ kind: "large", bytes }, {}, {
        ...options,
        maxResponse: ByteSize.megabytes(1),
        truncation: ByteSize.megabytes(1)
      })
      const length = bytes + `{"data":""}`.length
      assert.strictEqual(outcome.response.statusCode, 1)
      assert.strictEqual(outcome.response.size, length)
      const error = (outcome.response.result as { error: string }).error
      const prefix = Messages.truncatedResponseWithPrefix("", ByteSize.bytes(length), ByteSize.megabytes(1))
      assert.isTrue(error.startsWith(prefix))
      assert.strictEqual(error.slice(prefix.length), `{"data":"${"x".repeat(1024 * 1024 - 9)}`)
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("16 overlapping runs with maxConcurrent 4 and __OW_ALLOW_CONCURRENT=true: at most 4 at once", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer({ environment: { __OW_ALLOW_CONCURRENT: "true" } }, 4)
      const outcomes = yield* Effect.all(
        Array.from({ length: 16 }, () => container.run({ kind: "overlap", ms: 200 }, {}, { ...options, maxConcurrent: 4 })),
        { concurrency: "unbounded" }
      )
      assert.isTrue(outcomes.every((outcome) => outcome.response.statusCode === 0))
      const seen = Math.max(...outcomes.map((outcome) => (outcome.response.result as { maxInFlight: number }).maxInFlight))
      assert.strictEqual(seen, 4)
    }).pipe(Effect.provide(live())), 60_000)
})

describe("the address strategies on every engine", () => {
  // Each strategy asked for explicitly (the engine under test may force another: then both runs use that one).
  for (const address of ["published", "auto"] as const) {
    it.scopedLive(`EFFECT_WHISK_ADDRESS=${address}: /init and /run reach the action`, () =>
      Effect.gen(function*() {
        const container = yield* actionContainer()
        if (address === "published") assert.isTrue(container.address.published, container.address.asString)
        const outcome = yield* container.run({ kind: "hello", name: address }, {}, options)
        assert.deepStrictEqual(outcome.response.result, { greeting: `hello ${address}`, activations: 1 })
      }).pipe(Effect.provide(live({ engine: { address } }))), 60_000)
  }
})

// Not alongside the others: under the load of ten containers starting at once on a small machine, runc 1.1's cgroup
// v1 freezer sometimes gives up ("unable to freeze"), which is the runc layer's matter, not this test's.
describe("suspend and resume between runs", () => {
  it.scopedLive("20 runs with a suspend and a resume between each, on one container", () =>
    Effect.gen(function*() {
      const container = yield* actionContainer()
      for (let i = 1; i <= 20; i++) {
        const outcome = yield* container.run({ kind: "hello", name: `run ${i}` }, {}, options)
        assert.deepStrictEqual(outcome.response.result, { greeting: `hello run ${i}`, activations: i })
        yield* container.suspend
        yield* container.resume
      }
    }).pipe(Effect.provide(live())), 120_000)
})
