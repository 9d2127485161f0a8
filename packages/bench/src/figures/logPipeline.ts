import { ByteSize, LogSource } from "@effect-whisk/core"
import * as ActivationLogs from "@effect-whisk/logs/ActivationLogs"
import { Effect, Stream } from "effect"
import { open } from "node:fs/promises"
import type { FigureResult } from "../context.js"
import { say } from "../measure.js"
import { withMemorySampling } from "../memory.js"
import { round, summarize } from "../stats.js"
import { jsonLine, sentinelLines, temporaryFile } from "../syntheticLog.js"

const mebibyte = 1024 * 1024
const fileSize = 200 * mebibyte
const firstLineTime = Date.parse("2026-11-27T17:08:31Z")

/** A json-file log of about 200 MiB: lines of varying length on both streams, ending with an activation's sentinels. */
const writeSyntheticLog = async (path: string): Promise<number> => {
  const file = await open(path, "w")
  try {
    let written = 0
    let index = 0
    while (written < fileSize) {
      const batch: Array<string> = []
      for (let i = 0; i < 1_000; i++, index++) {
        const text = `line ${index}: ${"the quick brown fox jumps over the lazy dog ".repeat(1 + (index % 4))}`
        batch.push(jsonLine(text, index % 5 === 0 ? "stderr" : "stdout", new Date(firstLineTime + index)))
      }
      const bytes = Buffer.from(batch.join(""))
      await file.write(bytes)
      written += bytes.length
    }
    const end = Buffer.from(sentinelLines(new Date(firstLineTime + index)))
    await file.write(end)
    return written + end.length
  } finally {
    await file.close()
  }
}

/** The raw equivalent of the pipeline's work: read in 64 KiB chunks, split at \n on bytes, decode each line. */
const rawLines = async (path: string): Promise<number> => {
  const file = await open(path, "r")
  try {
    const chunk = Buffer.alloc(64 * 1024)
    let pending = Buffer.alloc(0)
    let count = 0
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) return count
      const data = pending.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([pending, chunk.subarray(0, bytesRead)])
      let start = 0
      for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
        if (data.toString("utf8", start, end).length > 0) count++
        start = end + 1
      }
      pending = Buffer.from(data.subarray(start))
    }
  } finally {
    await file.close()
  }
}

// The resident set every 2 ms: the pipeline's read chunks live outside the heap.
const sampling = { everyMs: 2, scavenge: false }

const pipelineOptions: ActivationLogs.Options = {
  limit: ByteSize.megabytes(256),
  waitForSentinel: false,
  idleTimeout: "2 seconds",
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
}

/**
 * 5. the log pipeline (file read, framing, limit, sentinels, timeouts) over a 200 MiB synthetic json-file log:
 * MiB/s and the peak growth of the resident set, next to the same work done by hand.
 */
export const logPipeline = (count: number): Effect.Effect<FigureResult> =>
  Effect.scoped(Effect.gen(function*() {
    const path = yield* temporaryFile("pipeline")
    const size = yield* Effect.promise(() => writeSyntheticLog(path))
    yield* say(`log pipeline: wrote ${(size / mebibyte).toFixed(0)} MiB to ${path}`)
    // The stream from the file (DockerContainer.logs), from the start of the file each time.
    const pipeline = Effect.flatMap(ActivationLogs.makeCursor, (cursor) =>
      ActivationLogs.collect(LogSource.jsonFile(path), cursor, pipelineOptions).pipe(Stream.runCount, Effect.orDie))
    const library = { rate: [] as Array<number>, rss: [] as Array<number> }
    const raw = { rate: [] as Array<number>, rss: [] as Array<number> }
    let lines = 0
    const warmup = 1
    for (let sample = 0; sample < warmup + count; sample++) {
      const [emitted, { rss: libraryRss }, libraryTook] = yield* withMemorySampling(pipeline, sampling)
      const [counted, { rss: rawRss }, rawTook] = yield* withMemorySampling(Effect.promise(() => rawLines(path)), sampling)
      if (emitted + 2 !== counted) yield* Effect.dieMessage(`the pipeline emitted ${emitted} lines, the raw read ${counted}`)
      lines = emitted
      if (sample >= warmup) {
        library.rate.push(size / mebibyte / (libraryTook / 1000))
        library.rss.push(libraryRss / mebibyte)
        raw.rate.push(size / mebibyte / (rawTook / 1000))
        raw.rss.push(rawRss / mebibyte)
      }
      yield* say(`log pipeline: sample ${sample + 1}/${warmup + count}: ${(size / mebibyte / (libraryTook / 1000)).toFixed(0)} MiB/s`)
    }
    const rate = summarize(library.rate)
    const rss = summarize(library.rss)
    return {
      figure: 5,
      title: "log pipeline over a 200 MiB json-file log",
      unit: "MiB/s, MiB",
      series: {
        "library MiB/s": rate,
        "library peak RSS growth MiB": rss,
        "raw read + split MiB/s": summarize(raw.rate),
        "raw peak RSS growth MiB": summarize(raw.rss)
      },
      ratios: { "library MiB/s": round(rate.median), "library peak RSS growth MiB": round(rss.median) },
      goal: "≥ 200 MiB/s, ≤ 32 MiB RSS growth",
      met: rate.median >= 200 && rss.median <= 32,
      notes: [
        `${lines} lines, ${size} bytes`,
        "library: ActivationLogs.collect over the json-file log, the Stream over the one file reader (before the log source change: ActivationLogs.fromBytes over LogFile.stream, an Effect byte stream)",
        "RSS growth: peak resident set during a pass minus the resident set after a full collection just before it; the raw pass runs after the library's, in a heap the collector has not shrunk yet, so its growth is a lower bound"
      ]
    } satisfies FigureResult
  }))
