import { ByteSize, DockerEngine, EngineConfig, LogSource, Messages } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Deferred, Effect, Fiber } from "effect"
import { spawn } from "node:child_process"
import { performance } from "node:perf_hooks"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized, runOnce } from "../containers.js"
import { collectGarbageAndSettle, millis, say } from "../measure.js"
import * as EngineApi from "../raw/engineApi.js"
import { awaitSentinels } from "../raw/jsonLog.js"
import { run } from "../raw/processes.js"
import { summarize } from "../stats.js"

const lines = 1000

const collectOptions = { limit: ByteSize.megabytes(10), isDeveloperError: false, sentinelledLogs: true } as const

/** `docker logs --timestamps --since <t>`, its output split into lines, as a program without the library would. */
const dockerLogs = async (id: string, since: bigint): Promise<Array<string>> =>
  (await run("docker", ["logs", "--timestamps", "--since", LogSource.unixSeconds(since), id])).split("\n").filter((line) => line !== "")

/**
 * `docker logs --follow` started before the activation: resolves when it has printed both sentinels (it prints the
 * container's stdout and stderr on its own), at the performance.now() of the chunk that completed them.
 */
const followUntilSentinels = (id: string, since: bigint) => {
  const child = spawn("docker", ["logs", "--follow", "--since", LogSource.unixSeconds(since), id], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let found = 0
  const done = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      for (let at = text.indexOf(Messages.activationLogSentinel); at !== -1; at = text.indexOf(Messages.activationLogSentinel, at + 1)) {
        found++
      }
      if (found >= 2) resolve(performance.now())
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("error", reject)
    child.once("close", () => reject(new Error("docker logs --follow ended before two sentinels")))
  })
  return { done, stop: () => child.kill("SIGKILL") }
}

const nanosNow = () => BigInt(Date.now()) * 1_000_000n

/**
 * 11. logs through the engine's log API (what a remote engine or Podman needs): the library with
 * `EFFECT_WHISK_LOG_SOURCE=api` against `docker logs` spawned as a process, (a) collecting a 1,000-line activation
 * once it is all in the log, (b) the tail: a collection (or `docker logs --follow`) started before a short
 * activation, measured from the end of its /run to its logs complete.
 */
export const engineLogs = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const config = yield* EngineConfig.EngineConfig
    const apiEngine = yield* DockerodeEngine.make.pipe(
      Effect.provideService(EngineConfig.EngineConfig, { ...config, logSource: "api" }),
      Effect.orDie
    )
    const viaApi = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, DockerEngine.DockerEngine, apiEngine)

    // (a) 1,000 lines, the whole activation in the log before either starts.
    const container = yield* viaApi(initialized(context, actions.thousandLines))
    const path = yield* Effect.promise(() => EngineApi.logPath(container.id))
    const warmup = count
    const library: Array<number> = []
    const raw: Array<number> = []
    let offset = 0
    for (let round = 0; round < warmup + count; round++) {
      const since = nanosNow()
      yield* runOnce(container)
      offset = yield* Effect.promise(() => awaitSentinels(path, offset))
      yield* collectGarbageAndSettle
      const [libraryTook, formatted] = yield* millis(LogStore.collect(container.logLines, collectOptions)).pipe(Effect.orDie)
      if (formatted.length !== lines) yield* Effect.dieMessage(`the library collected ${formatted.length} lines, not ${lines}`)
      if (container.capabilities.logSource !== "LogStream") yield* Effect.dieMessage("the container's logs were not read through the API")
      yield* collectGarbageAndSettle
      const [rawTook, printed] = yield* millis(Effect.promise(() => dockerLogs(container.id, since)))
      if (printed.length < lines) yield* Effect.dieMessage(`docker logs printed ${printed.length} lines, fewer than ${lines}`)
      if (round >= warmup) {
        library.push(libraryTook)
        raw.push(rawTook)
      }
      if ((round + 1) % 10 === 0) yield* say(`engine logs: round ${round + 1}/${warmup + count}`)
    }

    // (b) the tail: waiting before the activation, measured from the end of its /run.
    const tailer = yield* viaApi(initialized(context, actions.noop))
    const tailLibrary: Array<number> = []
    const tailRaw: Array<number> = []
    for (let round = 0; round < warmup + count; round++) {
      yield* collectGarbageAndSettle
      const complete = yield* Deferred.make<number>()
      const collecting = yield* Effect.fork(
        Effect.tap(LogStore.collect(tailer.logLines, collectOptions), () =>
          Deferred.succeed(complete, performance.now())).pipe(Effect.orDie)
      )
      // The collection's request is out and following before the activation starts.
      yield* Effect.sleep("50 millis")
      yield* runOnce(tailer)
      const ran = performance.now()
      const [libraryDone] = yield* Effect.all([Deferred.await(complete), Fiber.join(collecting)])
      yield* collectGarbageAndSettle
      const follow = followUntilSentinels(tailer.id, nanosNow())
      yield* Effect.sleep("300 millis")
      yield* runOnce(tailer)
      const rawRan = performance.now()
      const rawDone = yield* Effect.promise(() => follow.done).pipe(Effect.ensuring(Effect.sync(follow.stop)))
      // The library's cursor passes over the activation `docker logs` watched.
      yield* LogStore.collect(tailer.logLines, collectOptions).pipe(Effect.orDie)
      if (round >= warmup) {
        tailLibrary.push(libraryDone - ran)
        tailRaw.push(rawDone - rawRan)
      }
    }

    const collect = { library: summarize(library), raw: summarize(raw) }
    const tail = { library: summarize(tailLibrary), raw: summarize(tailRaw) }
    const collectRatio = collect.library.median / collect.raw.median
    const tailRatio = tail.library.median / tail.raw.median
    return {
      figure: 11,
      title: `logs through the engine API: ${lines} lines, and the tail`,
      unit: "ms",
      series: {
        "library over the API (1,000 lines)": collect.library,
        "docker logs (1,000 lines)": collect.raw,
        "library over the API (tail after /run)": tail.library,
        "docker logs --follow (tail after /run)": tail.raw
      },
      ratios: { "1,000 lines: library / docker logs": collectRatio, "tail: library / docker logs --follow": tailRatio },
      goal: "≤ 0.5 × docker logs",
      met: collectRatio <= 0.5 && tailRatio <= 0.5,
      notes: [
        "library: LogStore.collect over DockerContainer.logLines on an engine with logSource api (one request to the " +
        "engine's log endpoint with follow, demultiplexed, the json-file lines rebuilt, the activation rules, formatting)",
        "docker logs: spawned with --timestamps --since the activation's start, its output split into lines; the tail " +
        "one with --follow started 300 ms before the activation, until it has printed both sentinels",
        "the tail is measured from the end of the activation's /run, not from the sentinels' write, which the engine " +
        "does not report"
      ]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
