import { ByteSize, DockerEngine, EngineConfig, LogSource, Messages } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Effect, Fiber } from "effect"
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

const marker = "the activation's only line"
const tailAction = `function main() { console.log(${JSON.stringify(marker)}); return {} }`

/** The wall-clock time now, in milliseconds since the epoch, to the microsecond. */
const wallNow = () => performance.timeOrigin + performance.now()

/** An RFC 3339 time with nanoseconds in milliseconds since the epoch. */
const wallOf = (time: string): number => Number(LogSource.parseTime(time.trim()) ?? 0n) / 1e6

/**
 * `docker logs --follow --timestamps` started before the activation: resolves when it has printed both sentinels (it
 * prints the container's stdout and stderr on its own), with the wall-clock time it had then and the time the engine
 * gave the marker line.
 */
const followUntilSentinels = (id: string, since: bigint) => {
  const child = spawn("docker", ["logs", "--follow", "--timestamps", "--since", LogSource.unixSeconds(since), id], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let found = 0
  let stamped = 0
  const done = new Promise<{ readonly done: number; readonly stamped: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      for (const line of text.split("\n")) {
        if (line.endsWith(marker)) stamped = wallOf(line.slice(0, line.indexOf(" ")))
        if (line.includes(Messages.activationLogSentinel)) found++
      }
      if (found >= 2) resolve({ done: wallNow(), stamped })
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
 * once it is all in the log, (b) the tail: from the engine's stamp of a short activation's line to its logs
 * complete, the collection waiting before the activation, `docker logs` spawned when its /run returned.
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

    // (b) the tail: waiting before the activation, measured from the time the engine gave its line (its sentinels
    // follow within microseconds) to the lines complete.
    const tailer = yield* viaApi(initialized(context, tailAction))
    const tailLibrary: Array<number> = []
    const tailRaw: Array<number> = []
    const tailFollow: Array<number> = []
    for (let round = 0; round < warmup + count; round++) {
      yield* collectGarbageAndSettle
      const collecting = yield* Effect.fork(
        Effect.map(LogStore.collect(tailer.logLines, collectOptions), (formatted) => ({ formatted, done: wallNow() }))
          .pipe(Effect.orDie)
      )
      // The collection's request is out and following before the activation starts.
      yield* Effect.sleep("50 millis")
      yield* runOnce(tailer)
      const { done, formatted } = yield* Fiber.join(collecting)
      if (formatted.length !== 1) yield* Effect.dieMessage(`the tail collected ${formatted.length} lines, not 1`)
      // docker logs spawned once the activation has ended, as OpenWhisk's development store runs it.
      yield* collectGarbageAndSettle
      const since = nanosNow()
      yield* runOnce(tailer)
      // The engine may not have written the line yet when the /run returns: asked again until it has.
      let markerLine: string | undefined
      for (let attempt = 0; markerLine === undefined && attempt < 50; attempt++) {
        const printed = yield* Effect.promise(() => dockerLogs(tailer.id, since))
        markerLine = printed.find((line) => line.endsWith(marker))
      }
      const spawnedDone = wallNow()
      if (markerLine === undefined) yield* Effect.dieMessage("docker logs did not print the activation's line")
      // The library's cursor passes over that activation.
      yield* LogStore.collect(tailer.logLines, collectOptions).pipe(Effect.orDie)
      // docker logs --follow, started before the activation: the engine API's own tail, through the docker CLI.
      yield* collectGarbageAndSettle
      const follow = followUntilSentinels(tailer.id, nanosNow())
      yield* Effect.sleep("300 millis")
      yield* runOnce(tailer)
      const followed = yield* Effect.promise(() => follow.done).pipe(Effect.ensuring(Effect.sync(follow.stop)))
      yield* LogStore.collect(tailer.logLines, collectOptions).pipe(Effect.orDie)
      if (round >= warmup) {
        tailLibrary.push(done - wallOf(formatted[0]!.slice(0, 30)))
        tailRaw.push(spawnedDone - wallOf(markerLine!.slice(0, markerLine!.indexOf(" "))))
        tailFollow.push(followed.done - followed.stamped)
      }
    }

    const collect = { library: summarize(library), raw: summarize(raw) }
    const tail = { library: summarize(tailLibrary), raw: summarize(tailRaw), follow: summarize(tailFollow) }
    const collectRatio = collect.library.median / collect.raw.median
    const tailRatio = tail.library.median / tail.raw.median
    return {
      figure: 11,
      title: `logs through the engine API: ${lines} lines, and the tail`,
      unit: "ms",
      series: {
        "library over the API (1,000 lines)": collect.library,
        "docker logs (1,000 lines)": collect.raw,
        "library over the API (tail: line stamped → logs complete)": tail.library,
        "docker logs spawned after the /run (tail: line stamped → exited)": tail.raw,
        "docker logs --follow started before (tail: line stamped → printed; reference)": tail.follow
      },
      ratios: {
        "1,000 lines: library / docker logs": collectRatio,
        "tail: library / docker logs": tailRatio,
        "tail: library / docker logs --follow": tail.library.median / tail.follow.median
      },
      goal: "≤ 0.5 × docker logs",
      met: collectRatio <= 0.5 && tailRatio <= 0.5,
      notes: [
        "library: LogStore.collect over DockerContainer.logLines on an engine with logSource api (one request to the " +
        "engine's log endpoint with follow, demultiplexed, the json-file lines rebuilt, the activation rules, formatting)",
        "docker logs: spawned with --timestamps --since the activation's start, its output split into lines (for the " +
        "tail: spawned as soon as the /run returned, as OpenWhisk's development log store does)",
        "the tail: an activation that writes one line, the collection waiting before it; from the time the engine " +
        "stamped that line (its sentinels follow within microseconds) to the logs complete, on the wall clock; " +
        "docker logs --follow started 300 ms before the activation is shown for reference (not in the goal): the " +
        "engine API's own latency, without a process start"
      ]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
