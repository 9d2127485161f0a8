import { ByteSize, type Errors, LogsConfig, LogSource } from "@effect-whisk/core"
import * as ActivationLogs from "@effect-whisk/logs/ActivationLogs"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Chunk, Deferred, Duration, Effect, Fiber, Ref, Stream } from "effect"
import { closeSync, fstatSync, openSync, writeSync } from "node:fs"
import { performance } from "node:perf_hooks"
import type { FigureResult } from "../context.js"
import { interleaved } from "../measure.js"
import { streamTailFloor } from "../raw/streamTailFloor.js"
import { tailUntilSentinels } from "../raw/tailFile.js"
import { round, summarize } from "../stats.js"
import { jsonLine, sentinelLines, temporaryFile } from "../syntheticLog.js"

const collection = { limit: ByteSize.megabytes(10), waitForSentinel: true }
const pollMs = Duration.toMillis(LogsConfig.defaults.pollInterval)
// After the collector has read the ordinary line: time for it to find the end of the file and start waiting.
const settle = Duration.millis(5)
const timeout = Duration.seconds(10)

/** A log file open for appending, as the json-file driver has it: each append is one write. */
const appendable = (name: string) =>
  Effect.flatMap(temporaryFile(name), (path) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const fd = openSync(path, "w")
        return { path, append: (text: string) => writeSync(fd, text), size: () => fstatSync(fd).size, fd }
      }),
      ({ fd }) => Effect.sync(() => closeSync(fd))
    ))

type Log = Effect.Effect.Success<ReturnType<typeof appendable>>

/**
 * The result, with the time it was complete: stamped in the collecting fiber itself, since another fiber's join of it
 * (and the deadline on that join) is the benchmark's own cost, not the collection's.
 */
const stamped = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(self, (result) => ({ result, completedAt: performance.now() }))

/** A sample's ordinary line: its text, and the json-file line that carries it (with its line end). */
interface Ordinary {
  readonly text: string
  readonly line: string
}

const ordinaryLine = (sample: number): Ordinary => {
  const text = `sample ${sample}: an ordinary line of the activation`
  return { text, line: jsonLine(text, "stdout") }
}

/** The raw json line, as the pipeline and the hand-written tail give it. */
const isRaw = (collected: string, ordinary: Ordinary) => collected === ordinary.line.slice(0, -1)

/** The formatted line, as LogStore gives it. */
const isFormatted = (collected: string, ordinary: Ordinary) => collected.endsWith(`stdout: ${ordinary.text}`)

const checkLines = (
  who: string,
  lines: ReadonlyArray<string>,
  ordinary: Ordinary,
  isOrdinary: (collected: string, ordinary: Ordinary) => boolean
) =>
  lines.length === 1 && isOrdinary(lines[0]!, ordinary)
    ? Effect.void
    : Effect.dieMessage(`${who} collected ${JSON.stringify(lines)}, not the one ordinary line ${ordinary.line.trimEnd()}`)

/**
 * 7. tail latency: how long after an activation's sentinel lines are appended to its log a collection that waits
 * for them (tail mode) has all its lines, next to a tail by hand with fs.watch + fs.read.
 */
export const tailLatency = (count: number): Effect.Effect<FigureResult> =>
  Effect.scoped(Effect.gen(function*() {
    const invokerLog = yield* appendable("tail-invoker")
    const streamLog = yield* appendable("tail-stream")
    const rawLog = yield* appendable("tail-raw")
    const floorLog = yield* appendable("tail-floor")
    let sample = 0

    const checkCursor = (cursor: ActivationLogs.Cursor, log: Log) =>
      Effect.flatMap(Ref.get(cursor.offset), (offset) =>
        offset === log.size() ? Effect.void : Effect.dieMessage(`the cursor is at ${offset}, the log ends at ${log.size()}`))

    // The invoker's path: LogStore.collect over DockerContainer.logLines, which reads the file itself. Nothing comes
    // out before the end, so it is given the settle time to read the ordinary line and wait at the end of the file.
    const invokerCursor = yield* ActivationLogs.makeCursor
    const invoker = Effect.scoped(Effect.gen(function*() {
      const ordinary = ordinaryLine(++sample)
      invokerLog.append(ordinary.line)
      const logLines: LogStore.ContainerLogLines<Errors.LogFileError | Errors.DockerEngineError, never> = (collection) =>
        ActivationLogs.collectAll(LogSource.jsonFile(invokerLog.path), invokerCursor, ActivationLogs.options(LogsConfig.defaults, collection))
      const collecting = yield* Effect.forkScoped(
        stamped(LogStore.collect(logLines, { limit: collection.limit, isDeveloperError: false, sentinelledLogs: true }))
      )
      yield* Effect.sleep(settle)
      const start = performance.now()
      invokerLog.append(sentinelLines())
      const { completedAt, result } = yield* Fiber.join(collecting).pipe(Effect.timeout(timeout), Effect.orDie)
      yield* checkLines("LogStore.collect", result, ordinary, isFormatted)
      yield* checkCursor(invokerCursor, invokerLog)
      return completedAt - start
    }))

    // The stream (DockerContainer.logs): an ordinary line, the collection started and left waiting once that line
    // came out of it, then the sentinels appended.
    const streamCursor = yield* ActivationLogs.makeCursor
    const stream = Effect.scoped(Effect.gen(function*() {
      const ordinary = ordinaryLine(++sample)
      streamLog.append(ordinary.line)
      const received = yield* Deferred.make<void>()
      const lines = ActivationLogs.collect(
        LogSource.jsonFile(streamLog.path),
        streamCursor,
        ActivationLogs.options(LogsConfig.defaults, collection)
      ).pipe(Stream.tap(() => Deferred.succeed(received, undefined)))
      const collecting = yield* Effect.forkScoped(stamped(Stream.runCollect(lines)))
      yield* Deferred.await(received).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("the collection did not read the ordinary line") }),
        Effect.orDie
      )
      yield* Effect.sleep(settle)
      const start = performance.now()
      streamLog.append(sentinelLines())
      const { completedAt, result } = yield* Fiber.join(collecting).pipe(Effect.timeout(timeout), Effect.orDie)
      yield* checkLines("the stream", Chunk.toReadonlyArray(result), ordinary, isRaw)
      yield* checkCursor(streamCursor, streamLog)
      return completedAt - start
    }))

    let rawOffset = 0
    const raw = Effect.acquireUseRelease(
      Effect.sync(() => {
        const ordinary = ordinaryLine(++sample)
        rawLog.append(ordinary.line)
        return { ordinary, tail: tailUntilSentinels(rawLog.path, rawOffset, pollMs, Duration.toMillis(timeout)) }
      }),
      ({ ordinary, tail }) =>
        Effect.gen(function*() {
          yield* Effect.promise(() => tail.ready)
          yield* Effect.sleep(settle)
          const start = performance.now()
          rawLog.append(sentinelLines())
          const result = yield* Effect.promise(() => tail.done)
          const took = result.completedAt - start
          yield* checkLines("the raw tail", result.lines, ordinary, isRaw)
          if (result.end !== rawLog.size()) yield* Effect.dieMessage(`the raw tail ended at ${result.end}, the log at ${rawLog.size()}`)
          rawOffset = result.end
          return took
        }),
      ({ tail }) => Effect.sync(tail.stop)
    )

    const floor = Effect.scoped(Effect.gen(function*() {
      const from = floorLog.size()
      const ending = yield* Effect.forkScoped(stamped(Stream.runCollect(streamTailFloor(floorLog.path, from))))
      yield* Effect.sleep(settle)
      const start = performance.now()
      floorLog.append(sentinelLines())
      const { completedAt, result } = yield* Fiber.join(ending).pipe(Effect.timeout(timeout), Effect.orDie)
      const took = completedAt - start
      const read = Chunk.reduce(result, 0, (total, bytes) => total + bytes.length)
      if (read !== floorLog.size() - from) yield* Effect.dieMessage(`the stream floor read ${read} bytes, ${floorLog.size() - from} were appended`)
      return took
    }))

    const samples = yield* interleaved("tail latency", [
      { name: "invoker", sample: invoker },
      { name: "stream", sample: stream },
      { name: "raw", sample: raw },
      { name: "floor", sample: floor }
    // As many untimed rounds first: a running invoker's collections are compiled code, the first hundreds are not.
    ], { warmup: count, count })
    const invokerSummary = summarize(samples["invoker"]!)
    const streamSummary = summarize(samples["stream"]!)
    const rawSummary = summarize(samples["raw"]!)
    const floorSummary = summarize(samples["floor"]!)
    const p90 = [...samples["invoker"]!].sort((a, b) => a - b)[Math.ceil(0.9 * count) - 1]!
    return {
      figure: 7,
      title: "tail latency: sentinels written → logs complete",
      unit: "ms",
      series: {
        "LogStore.collect from the file (the invoker's path)": invokerSummary,
        "ActivationLogs.collect as a stream": streamSummary,
        "fs.watch + fs.read by hand": rawSummary,
        "Effect stream floor": floorSummary
      },
      ratios: {
        "invoker's path p90 ms": round(p90),
        "invoker's path / raw": invokerSummary.median / rawSummary.median,
        "stream / raw": streamSummary.median / rawSummary.median,
        "stream / Effect stream floor": streamSummary.median / floorSummary.median
      },
      goal: "≤ 1 ms median (the invoker's path)",
      met: invokerSummary.median <= 1,
      notes: [
        "per sample: one ordinary line appended, a collection started in tail mode (waitForSentinel, poll interval " +
        `${pollMs} ms) and left to read it and wait; then performance.now(), the two sentinel lines appended in one write, ` +
        "and the time until the collection has its result, stamped in the forked fiber that collects as the result is " +
        "produced (the join by the benchmark's fiber comes after); each collection must return exactly the ordinary line " +
        "and leave its cursor at the end of the file",
        "the invoker's path: LogStore.collect over ActivationLogs.collectAll, as DockerContainer.logLines takes an " +
        `activation's logs when the engine's files are on this machine (formatted); it is left ${Duration.toMillis(settle)} ms ` +
        "after it started, since nothing comes out of it before its end",
        "the stream: Stream.runCollect of ActivationLogs.collect over the json-file log (DockerContainer.logs), left until " +
        `the ordinary line came out of it plus ${Duration.toMillis(settle)} ms`,
        `raw: node:fs by hand, fs.watch on the file and fs.read from the offset on each notification plus a ${pollMs} ms poll timer, split at \\n, ` +
        "done at the second sentinel line, stamped there, timed the same way once it has read to the end",
        "Effect stream floor: the least a Stream can do after the same append: its one pull waits in one Effect.async for " +
        "an fs.watch notification, reads the appended bytes with one fs.read, emits them and ends (Stream.runCollect in a " +
        "forked fiber, joined); no framing, limit, sentinels, deadlines, cursor or lock. Any Stream-based collection pays it",
        `the four alternate, each on its own file in the temporary directory, after ${count} untimed rounds`
      ]
    } satisfies FigureResult
  }))
