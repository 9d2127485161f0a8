/**
 * `npm run bench`: the figures of the benchmark on the real engine, each set against a raw baseline measured in
 * the same run; prints a table and writes bench-results/latest.json.
 *
 * @since 0.1.0
 */
import * as RuntimeImage from "@effect-whisk/cli/RuntimeImage"
import { FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import * as Cleanup from "@effect-whisk/docker/Cleanup"
import * as WhiskLive from "@effect-whisk/docker/WhiskLive"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { mkdir, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { BenchContext, FigureResult } from "./context.js"
import { coldCreate } from "./figures/coldCreate.js"
import { collectionMemory } from "./figures/collectionMemory.js"
import { engineLogs } from "./figures/engineLogs.js"
import { logCollection } from "./figures/logCollection.js"
import { logPipeline } from "./figures/logPipeline.js"
import { poolStartKinds, poolThroughput } from "./figures/pool.js"
import { suspendResume } from "./figures/suspendResume.js"
import { startup } from "./figures/startup.js"
import { tailLatency } from "./figures/tailLatency.js"
import { warmActivation } from "./figures/warmActivation.js"
import { warmRun } from "./figures/warmRun.js"
import { describeMachine } from "./machine.js"
import * as EngineApi from "./raw/engineApi.js"
import { quietMachine, say } from "./measure.js"
import { type BenchReport, table, toJson } from "./report.js"

// packages/bench/dist/main.js (or src/main.ts) → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
// EFFECT_WHISK_BENCH_PREFIX gives a run a prefix of its own, so that two runs on one engine never remove each other's containers.
const prefix = process.env["EFFECT_WHISK_BENCH_PREFIX"] ?? "effect-whisk-bench"

// DOCKER_HOST at Podman's socket measures Podman (figures 1–3; its logs need the engine-API log source). Its runc
// keeps state under its own root, which the runc strategy and the raw `runc pause` baseline must use.
const podman = await EngineApi.onPodman().catch(() => false)
const runcRoot = podman ? FreezerConfig.podmanRuncRoot : FreezerConfig.defaults.runc.root

const config = WhiskConfig.layerWith({
  container: { namePrefix: prefix },
  freezer: { runc: { ...FreezerConfig.defaults.runc, root: runcRoot } }
})

// Sample counts; EFFECT_WHISK_BENCH_QUICK=1 takes a few of each (for trying the benchmark out, not for figures).
const quick = process.env["EFFECT_WHISK_BENCH_QUICK"] === "1"
const counts = quick
  ? { create: 3, suspend: 3, run: 10, logs: 3, pipeline: 2, activation: 10, tail: 30, memory: 2, starts: 3, throughput: 300, startup: 5 }
  : { create: 20, suspend: 60, run: 600, logs: 20, pipeline: 20, activation: 200, tail: 300, memory: 5, starts: 20, throughput: 3000, startup: 5 }

// EFFECT_WHISK_BENCH_ONLY=2,3 measures only those figures (for working on one hot path); such a partial report goes
// to partial.json so that latest.json keeps the last full one.
const only = (process.env["EFFECT_WHISK_BENCH_ONLY"] ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "")
const selected = (label: string) => only.length === 0 || only.includes(label.slice(0, label.indexOf("/")))
const output = join(root, "bench-results", only.length === 0 ? "latest.json" : "partial.json")

const program = Effect.gen(function*() {
  const started = Date.now()
  const runtime = yield* RuntimeImage.RuntimeImage
  yield* say(`runtime image ${runtime.image}`)
  const { image } = yield* runtime.ensure({ force: false, onProgress: (line) => process.stderr.write(`bench: ${line}\n`) })
  const removeLeftovers = Cleanup.removeLeftovers.pipe(Effect.orDie)
  yield* removeLeftovers
  const context: BenchContext = { image, runcRoot: (yield* FreezerConfig.FreezerConfig).runc.root, prefix, podman }
  if (podman) yield* say("engine: Podman (DOCKER_HOST)")
  const figures: Array<FigureResult> = []
  const steps = [
    ["1/8 cold create → address", coldCreate(context, counts.create)],
    ["2/8 suspend + resume", suspendResume(context, counts.suspend)],
    ["3/8 warm /run", warmRun(context, counts.run)],
    ["4/8 logs of 1,000 lines", logCollection(context, counts.logs)],
    ["5/8 log pipeline over 200 MiB", logPipeline(counts.pipeline)],
    ["6/8 warm activation end to end", warmActivation(context, counts.activation)],
    ["7/8 tail latency", tailLatency(counts.tail)],
    ["8/8 memory of a collection from 1 GiB", collectionMemory(counts.memory)],
    ["9/pool: invoke by start kind", poolStartKinds(context, counts.starts)],
    ["10a/pool throughput, 16 containers", poolThroughput(context, counts.throughput, false)],
    ["10b/pool under pressure, 8 containers, Zipf", poolThroughput(context, counts.throughput, true)],
    ["11/logs through the engine API", engineLogs(context, counts.logs)],
    ["12/12 start-up of the command", startup(context, counts.startup)]
  ] as const
  for (const [label, figure] of steps.filter(([name]) => selected(name))) {
    const busy = yield* quietMachine()
    yield* say(`${label}${busy === undefined ? "" : ` (CPUs ${(100 * busy).toFixed(0)} % busy before it)`}`)
    const begun = Date.now()
    const result = yield* figure
    const seconds = (Date.now() - begun) / 1000
    yield* say(`${label}: ${seconds.toFixed(0)} s`)
    figures.push({ ...result, seconds })
  }
  yield* removeLeftovers
  const report: BenchReport = {
    date: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: yield* Effect.promise(describeMachine),
    figures
  }
  process.stdout.write(`${table(report)}\n`)
  yield* Effect.promise(async () => {
    await mkdir(dirname(output), { recursive: true })
    await writeFile(output, `${JSON.stringify(toJson(report), null, 2)}\n`)
  })
  yield* say(`wrote ${output}`)
}).pipe(
  Effect.ensuring(Cleanup.removeLeftovers.pipe(Effect.ignore)),
  Effect.provide(Layer.mergeAll(WhiskLive.layerWithConfig(config), RuntimeImage.layer, NodeContext.layer)),
  Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))
)

NodeRuntime.runMain(program)
