import { ByteSize, LogsConfig, LogSource, Messages } from "@effect-whisk/core"
import * as ActivationLogs from "@effect-whisk/logs/ActivationLogs"
import { Effect, Option, Ref, Stream } from "effect"
import { type FileHandle, open } from "node:fs/promises"
import type { FigureResult } from "../context.js"
import { say } from "../measure.js"
import { type MemoryGrowth, type Sampling, withMemorySampling } from "../memory.js"
import { readLargeLog } from "../raw/readLargeLog.js"
import { round, summarize } from "../stats.js"
import { jsonLine, sentinelLines, temporaryFile } from "../syntheticLog.js"

const mebibyte = 1024 * 1024
const fileSize = 1024 * mebibyte
const warmupFileSize = 64 * mebibyte
const blockSize = 8 * mebibyte
const limit = ByteSize.megabytes(10)
// The overall timeout is 20 s by default (max(10 MB, 5) × 2 s): a busy machine reading 1 GiB at 60 MiB/s gets close.
const options: ActivationLogs.Options = {
  ...ActivationLogs.options(LogsConfig.defaults, { limit, waitForSentinel: true }),
  timeoutPerMB: "10 seconds"
}
const peak: Sampling = { everyMs: 1, scavenge: false }
const live: Sampling = { everyMs: 10, scavenge: true }
const goalMiB = 4
// A busy machine reads the 1 GiB several times slower: fewer samples then, rather than minutes more.
const samplingBudgetMs = 45_000
const minimumSamples = 3

/** About 8 MiB of json-file lines, 80 to 1,100 bytes long, one in five on stderr, some with characters to escape. */
const block = (): Buffer => {
  const lines: Array<string> = []
  const time = Date.parse("2026-11-27T17:08:31Z")
  for (let i = 0, size = 0;; i++) {
    const text = `line ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(1 + (i * 7) % 23)}${i % 11 === 0 ? "\"quoted\"\t" : ""}`
    const line = jsonLine(text, i % 5 === 0 ? "stderr" : "stdout", new Date(time + i))
    size += Buffer.byteLength(line)
    if (size > blockSize) return Buffer.from(lines.join(""))
    lines.push(line)
  }
}

const writeAll = async (file: FileHandle, bytes: Buffer) => {
  for (let written = 0; written < bytes.length;) written += (await file.write(bytes, written)).bytesWritten
}

/** About `size` bytes: the same block over and over, then one activation's two sentinel lines. */
const writeLargeLog = async (path: string, size: number, signal: AbortSignal): Promise<number> => {
  const lines = block()
  const file = await open(path, "w")
  try {
    let written = 0
    while (written < size) {
      if (signal.aborted) throw new Error("interrupted")
      await writeAll(file, lines)
      written += lines.length
    }
    const end = Buffer.from(sentinelLines())
    await writeAll(file, end)
    return written + end.length
  } finally {
    await file.close()
  }
}

interface Passes {
  readonly heap: Array<number>
  readonly live: Array<number>
  readonly arrayBuffers: Array<number>
  readonly rss: Array<number>
  readonly rate: Array<number>
}

const passes = (): Passes => ({ heap: [], live: [], arrayBuffers: [], rss: [], rate: [] })

const record = (into: Passes, size: number, peakPass: readonly [MemoryGrowth, number], livePass: MemoryGrowth) => {
  const [growth, took] = peakPass
  into.heap.push(growth.heapUsed / mebibyte)
  into.arrayBuffers.push(growth.arrayBuffers / mebibyte)
  into.rss.push(growth.rss / mebibyte)
  into.rate.push(size / mebibyte / (took / 1000))
  into.live.push(livePass.heapUsed / mebibyte)
}

/**
 * 8. memory of one collection from a 1 GiB json-file log with a 10 MB limit (10 MB of lines, the truncation notice,
 * then skipping to the sentinels at the end), next to the same work by hand with fs.read into one buffer.
 */
export const collectionMemory = (count: number): Effect.Effect<FigureResult> =>
  Effect.scoped(Effect.gen(function*() {
    const path = yield* temporaryFile("memory")
    const began = Date.now()
    const size = yield* Effect.promise((signal) => writeLargeLog(path, fileSize, signal))
    yield* say(`collection memory: wrote ${(size / mebibyte).toFixed(0)} MiB to ${path} in ${((Date.now() - began) / 1000).toFixed(1)} s`)

    // Only the line count and the last line are kept: the consumer holds no lines. A fold, not Stream.runForEachChunk:
    // that sink leaves dead objects in the old generation that keep every later chunk alive through scavenges until it
    // is promoted (Effect 3.22, over any stream: Stream.repeatEffectChunkOption over arrays too, which runCount and
    // runDrain drain without promoting), so the live heap read after a scavenge counted all of the limit's lines
    // (11 MiB) as the consumer's garbage. A full collection during such a pass finds 1.1–1.8 MiB live; the fold over
    // the stream, 1.4 MiB after a scavenge.
    const library = (path: string) => Effect.gen(function*() {
      const source = LogSource.jsonFile(path)
      const cursor = yield* ActivationLogs.makeCursor
      const { last, lines } = yield* ActivationLogs.collect(source, cursor, options).pipe(
        Stream.runFold({ lines: 0, last: Option.none<string>() }, (drained, line) => ({
          lines: drained.lines + 1,
          last: Option.some(line)
        })),
        Effect.orDie
      )
      return { lines, last, end: yield* Ref.get(cursor.offset) }
    })
    // The invoker's way: the lines are the result, so they are held (up to the limit).
    const fromFile = (path: string) => Effect.gen(function*() {
      const cursor = yield* ActivationLogs.makeCursor
      const lines = yield* Effect.orDie(ActivationLogs.collectAll(LogSource.jsonFile(path), cursor, options))
      return { lines: lines.length, last: Option.fromNullable(lines.at(-1)), end: yield* Ref.get(cursor.offset) }
    })
    const raw = (path: string) => Effect.promise(() => readLargeLog(path, limit.bytes))
    const check = Effect.fnUntraced(function*(
      collected: { readonly lines: number; readonly last: Option.Option<string>; readonly end: number },
      byHand: { readonly lines: number; readonly end: number },
      size: number
    ) {
      if (collected.end !== size || byHand.end !== size) {
        yield* Effect.dieMessage(`the collection ended at ${collected.end}, the raw read at ${byHand.end}, the log at ${size}`)
      }
      if (!Option.exists(collected.last, (line) => line.includes(Messages.truncateLogs(limit)))) {
        yield* Effect.dieMessage(`the collection did not end with the truncation notice but ${Option.getOrElse(collected.last, () => "nothing")}`)
      }
      if (collected.lines !== byHand.lines + 1) {
        yield* Effect.dieMessage(`the collection emitted ${collected.lines} lines with the notice, the raw read ${byHand.lines}`)
      }
    })

    // The first pass over a large log runs at half speed while the code is compiled: a small log takes that cost.
    const warmupPath = yield* temporaryFile("memory-warmup")
    const warmupSize = yield* Effect.promise((signal) => writeLargeLog(warmupPath, warmupFileSize, signal))
    yield* check(yield* library(warmupPath), yield* raw(warmupPath), warmupSize)

    const libraryPasses = passes()
    const fromFilePasses = passes()
    const rawPasses = passes()
    let emitted = 0
    const samplingBegan = Date.now()
    for (let sample = 1; sample <= count; sample++) {
      if (sample > minimumSamples && Date.now() - samplingBegan > samplingBudgetMs) {
        yield* say(`collection memory: ${sample - 1} samples, the time budget of ${samplingBudgetMs / 1000} s is spent`)
        break
      }
      const sampleBegan = Date.now()
      const [collected, libraryPeak, libraryTook] = yield* withMemorySampling(library(path), peak)
      const [byHand, rawPeak, rawTook] = yield* withMemorySampling(raw(path), peak)
      yield* check(collected, byHand, size)
      const [collectedLive, libraryLive] = yield* withMemorySampling(library(path), live)
      const [byHandLive, rawLive] = yield* withMemorySampling(raw(path), live)
      yield* check(collectedLive, byHandLive, size)
      record(libraryPasses, size, [libraryPeak, libraryTook], libraryLive)
      record(rawPasses, size, [rawPeak, rawTook], rawLive)
      emitted = collected.lines
      yield* say(
        `collection memory: sample ${sample}/${count}: library ${libraryPasses.rate.at(-1)!.toFixed(0)} MiB/s, ` +
          `live heap +${libraryPasses.live.at(-1)!.toFixed(1)} MiB; raw ${rawPasses.rate.at(-1)!.toFixed(0)} MiB/s ` +
          `(${((Date.now() - sampleBegan) / 1000).toFixed(0)} s)`
      )
    }

    // After the stream's samples, so that those run exactly as they did before collectAll was measured too.
    const byHand = yield* raw(path)
    yield* check(yield* fromFile(warmupPath), yield* raw(warmupPath), warmupSize)
    for (let sample = 1; sample <= libraryPasses.rate.length; sample++) {
      const [collected, fromFilePeak, fromFileTook] = yield* withMemorySampling(fromFile(path), peak)
      const [collectedLive, fromFileLive] = yield* withMemorySampling(fromFile(path), live)
      yield* check(collected, byHand, size)
      yield* check(collectedLive, byHand, size)
      record(fromFilePasses, size, [fromFilePeak, fromFileTook], fromFileLive)
      yield* say(
        `collection memory: collectAll sample ${sample}: ${fromFilePasses.rate.at(-1)!.toFixed(0)} MiB/s, ` +
          `live heap +${fromFilePasses.live.at(-1)!.toFixed(1)} MiB`
      )
    }

    const liveHeap = summarize(libraryPasses.live)
    const libraryRate = summarize(libraryPasses.rate)
    const rawRate = summarize(rawPasses.rate)
    return {
      figure: 8,
      title: "memory of a collection from a 1 GiB log, 10 MB limit",
      unit: "MiB growth, MiB/s",
      series: {
        "library heapUsed": summarize(libraryPasses.heap),
        "library live heap": liveHeap,
        "library arrayBuffers": summarize(libraryPasses.arrayBuffers),
        "library RSS": summarize(libraryPasses.rss),
        "library MiB/s": libraryRate,
        "collectAll live heap": summarize(fromFilePasses.live),
        "collectAll RSS": summarize(fromFilePasses.rss),
        "collectAll MiB/s": summarize(fromFilePasses.rate),
        "raw heapUsed": summarize(rawPasses.heap),
        "raw live heap": summarize(rawPasses.live),
        "raw arrayBuffers": summarize(rawPasses.arrayBuffers),
        "raw RSS": summarize(rawPasses.rss),
        "raw MiB/s": rawRate
      },
      ratios: { "library live heap max MiB": round(liveHeap.max), "library / raw MiB/s": libraryRate.median / rawRate.median },
      goal: `live heap growth ≤ ${goalMiB} MiB (every sample)`,
      met: liveHeap.max <= goalMiB,
      notes: [
        `${size} bytes (an 8 MiB block of json-file lines of 80 to 1,100 bytes on both streams, repeated, then the two sentinel lines); ` +
        `the library emitted ${emitted} lines with the notice, read all of the file (its cursor ends at the file's end) and matched the raw read's line count`,
        "library: ActivationLogs.collect over the json-file log (the Stream over the one file reader), limit 10 MB, waitForSentinel, the default idle timeout and poll interval but an overall timeout of 100 s (not 20 s: a slow pass must still reach the sentinels), drained by a fold keeping only a count and the last line (Stream.runForEachChunk's sink would add its own garbage to the live heap: see the code); " +
        "collectAll: ActivationLogs.collectAll with the same options, as DockerContainer.logLines takes an activation's logs: it returns the lines, so it holds them (up to the limit), and the goal is not its; " +
        "raw: fs.read in 1 MiB chunks into one reused buffer, split at \\n, lines decoded (and dropped) up to the limit, then only split and searched for the sentinel",
        "every memory number is growth over a baseline read right after a forced full collection; heapUsed, arrayBuffers and RSS are the peaks of process.memoryUsage() read every 1 ms (a timer: between reads, not inside synchronous work) in one pass, which also gives the MiB/s",
        "live heap: a second pass of each, with a forced minor collection (gc({ type: \"minor\" }), a scavenge) every 10 ms before reading heapUsed: young garbage is gone, garbage promoted to the old generation since the last full collection is not, so it bounds the live heap from above; " +
        "a full collection instead takes about 70 ms here, and one every 25 ms made a pass over the 1 GiB take over a minute",
        `${libraryPasses.rate.length} of ${count} samples (no new sample starts after ${samplingBudgetMs / 1000} s once ${minimumSamples} are taken); ` +
        "each sample: library peak pass, raw peak pass, library live pass, raw live pass, after one untimed pass of each over a 64 MiB log of the same lines (compiling the code); " +
        "then as many collectAll samples (a peak pass and a live pass each, after an untimed pass over the 64 MiB log); the files are removed at the end"
      ]
    } satisfies FigureResult
  }))
