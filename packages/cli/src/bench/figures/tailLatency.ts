import { ByteSize, type Errors, WhiskConfig } from "@effect-whisk/core"
import * as ActivationLogs from "@effect-whisk/logs/ActivationLogs"
import * as LogFile from "@effect-whisk/logs/LogFile"
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
const pollMs = Duration.toMillis(WhiskConfig.defaults.logs.pollInterval)
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
    const libraryLog = yield* appendable("tail-library")
    const logStoreLog = yield* appendable("tail-logstore")
    const rawLog = yield* appendable("tail-raw")
    const floorLog = yield* appendable("tail-floor")
    let sample = 0

    // One tailed collection: an ordinary line, the collection started and left waiting, then the sentinels appended;
    // `consume` runs the activation's stream to its end and gives the lines it kept.
    const tailed = (
      who: string,
      log: Effect.Effect.Success<ReturnType<typeof appendable>>,
      cursor: ActivationLogs.Cursor,
      consume: (logs: LogStore.ContainerLogs<Errors.LogFileError, never>) => Effect.Effect<ReadonlyArray<string>, unknown>,
      isOrdinary: (collected: string, ordinary: Ordinary) => boolean
    ) =>
      Effect.scoped(Effect.gen(function*() {
        const ordinary = ordinaryLine(++sample)
        log.append(ordinary.line)
        // Ready once the ordinary line came out of the collection: then it reads on to the file's end and waits.
        const received = yield* Deferred.make<void>()
        const logs: LogStore.ContainerLogs<Errors.LogFileError, never> = (collection) =>
          ActivationLogs.collect(
            (from, mode) => LogFile.stream(log.path, from, mode),
            cursor,
            ActivationLogs.options(WhiskConfig.defaults.logs, collection)
          ).pipe(Stream.tap(() => Deferred.succeed(received, undefined)))
        const collecting = yield* Effect.forkScoped(consume(logs))
        yield* Deferred.await(received).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("the collection did not read the ordinary line") }),
          Effect.orDie
        )
        yield* Effect.sleep(settle)
        const start = performance.now()
        log.append(sentinelLines())
        const lines = yield* Fiber.join(collecting).pipe(Effect.timeout(timeout), Effect.orDie)
        const took = performance.now() - start
        yield* checkLines(who, lines, ordinary, isOrdinary)
        const offset = yield* Ref.get(cursor.offset)
        if (offset !== log.size()) yield* Effect.dieMessage(`the cursor is at ${offset}, the log ends at ${log.size()}`)
        return took
      }))

    const library = tailed(
      "the library",
      libraryLog,
      yield* ActivationLogs.makeCursor,
      (logs) => Effect.map(Stream.runCollect(logs(collection)), Chunk.toReadonlyArray),
      isRaw
    )
    const logStore = tailed(
      "LogStore.collect",
      logStoreLog,
      yield* ActivationLogs.makeCursor,
      (logs) => LogStore.collect(logs, { limit: collection.limit, isDeveloperError: false, sentinelledLogs: true }),
      isFormatted
    )

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
          const took = performance.now() - start
          yield* checkLines("the raw tail", result.lines, ordinary, isRaw)
          if (result.end !== rawLog.size()) yield* Effect.dieMessage(`the raw tail ended at ${result.end}, the log at ${rawLog.size()}`)
          rawOffset = result.end
          return took
        }),
      ({ tail }) => Effect.sync(tail.stop)
    )

    const floor = Effect.scoped(Effect.gen(function*() {
      const from = floorLog.size()
      const ending = yield* Effect.forkScoped(Stream.runCollect(streamTailFloor(floorLog.path, from)))
      yield* Effect.sleep(settle)
      const start = performance.now()
      floorLog.append(sentinelLines())
      const chunks = yield* Fiber.join(ending).pipe(Effect.timeout(timeout), Effect.orDie)
      const took = performance.now() - start
      const read = Chunk.reduce(chunks, 0, (total, bytes) => total + bytes.length)
      if (read !== floorLog.size() - from) yield* Effect.dieMessage(`the stream floor read ${read} bytes, ${floorLog.size() - from} were appended`)
      return took
    }))

    const samples = yield* interleaved("tail latency", [
      { name: "library", sample: library },
      { name: "LogStore.collect", sample: logStore },
      { name: "raw", sample: raw },
      { name: "floor", sample: floor }
    // As many untimed rounds first: a running invoker's collections are compiled code, the first hundreds are not.
    ], { warmup: count, count })
    const librarySummary = summarize(samples["library"]!)
    const logStoreSummary = summarize(samples["LogStore.collect"]!)
    const rawSummary = summarize(samples["raw"]!)
    const floorSummary = summarize(samples["floor"]!)
    const p90 = [...samples["library"]!].sort((a, b) => a - b)[Math.ceil(0.9 * count) - 1]!
    return {
      figure: 7,
      title: "tail latency: sentinels written → logs complete",
      unit: "ms",
      series: {
        library: librarySummary,
        "LogStore.collect (formatted, as the invoker asks)": logStoreSummary,
        "fs.watch + fs.read by hand": rawSummary,
        "Effect stream floor": floorSummary
      },
      ratios: {
        "library p90 ms": round(p90),
        "library / raw": librarySummary.median / rawSummary.median,
        "LogStore.collect / raw": logStoreSummary.median / rawSummary.median,
        "library / Effect stream floor": librarySummary.median / floorSummary.median
      },
      goal: "≤ 1 ms median (library)",
      met: librarySummary.median <= 1,
      notes: [
        "per sample: one ordinary line appended, a collection started in tail mode (ActivationLogs.collect over LogFile.stream, " +
        `waitForSentinel, poll interval ${pollMs} ms) and left until that line came out of it plus ${Duration.toMillis(settle)} ms; ` +
        "then performance.now(), the two sentinel lines appended in one write, and the time until the collection's result (Stream.runCollect in a forked fiber) is joined; " +
        "each collection must return exactly the ordinary line and leave the cursor at the end of the file",
        "LogStore.collect: the same collection as the invoker takes an activation's logs (formatted, in a forked fiber, joined), on a file of its own",
        `raw: node:fs by hand, fs.watch on the file and fs.read from the offset on each notification plus a ${pollMs} ms poll timer, split at \\n, ` +
        "done at the second sentinel line, timed the same way once it has read to the end",
        "Effect stream floor: the least a Stream can do after the same append: its one pull waits in one Effect.async for " +
        "an fs.watch notification, reads the appended bytes with one fs.read, emits them and ends (Stream.runCollect in a " +
        "forked fiber, joined); no framing, limit, sentinels, deadlines, cursor or lock. Any Stream-based collection pays it",
        `the four alternate, each on its own file in the temporary directory, after ${count} untimed rounds`
      ]
    } satisfies FigureResult
  }))
