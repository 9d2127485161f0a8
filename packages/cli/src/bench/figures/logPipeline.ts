import { ByteSize, DockerEngine } from "@effect-whisk/core"
import * as ActivationLogs from "@effect-whisk/logs/ActivationLogs"
import * as LogFile from "@effect-whisk/logs/LogFile"
import { Effect, Stream } from "effect"
import { open, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { FigureResult } from "../context.js"
import { collectGarbage, millis, say } from "../measure.js"
import { round, summarize } from "../stats.js"

const mebibyte = 1024 * 1024
const fileSize = 200 * mebibyte
const sentinel = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

const jsonLine = (log: string, stream: string, index: number) =>
  `${JSON.stringify({ log: `${log}\n`, stream, time: `2026-11-27T17:08:31.${String(index % 1e9).padStart(9, "0")}Z` })}\n`

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
        batch.push(jsonLine(text, index % 5 === 0 ? "stderr" : "stdout", index))
      }
      const bytes = Buffer.from(batch.join(""))
      await file.write(bytes)
      written += bytes.length
    }
    const end = Buffer.from(jsonLine(sentinel, "stdout", index) + jsonLine(sentinel, "stderr", index + 1))
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

/** Samples the resident set size every 2 ms while the effect runs; gives the peak growth over the start, in bytes. */
const peakRssGrowth = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const state = { start: process.memoryUsage.rss(), peak: 0, timer: undefined as NodeJS.Timeout | undefined }
      state.peak = state.start
      state.timer = setInterval(() => (state.peak = Math.max(state.peak, process.memoryUsage.rss())), 2)
      return state
    }),
    (state) => Effect.map(effect, (value) => [value, state] as const),
    (state) => Effect.sync(() => clearInterval(state.timer))
  ).pipe(Effect.map(([value, state]) => [value, Math.max(state.peak, process.memoryUsage.rss()) - state.start] as const))

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
  Effect.gen(function*() {
    const path = join(tmpdir(), `effect-whisk-bench-${process.pid}.log`)
    const size = yield* Effect.promise(() => writeSyntheticLog(path))
    yield* say(`log pipeline: wrote ${(size / mebibyte).toFixed(0)} MiB to ${path}`)
    const pipeline = ActivationLogs.fromBytes(LogFile.stream(path, 0, DockerEngine.ReadToEnd), pipelineOptions).pipe(
      Stream.runCount,
      Effect.orDie
    )
    const library = { rate: [] as Array<number>, rss: [] as Array<number> }
    const raw = { rate: [] as Array<number>, rss: [] as Array<number> }
    let lines = 0
    const warmup = 1
    for (let sample = 0; sample < warmup + count; sample++) {
      yield* collectGarbage
      const [libraryTook, [emitted, libraryRss]] = yield* millis(peakRssGrowth(pipeline))
      yield* collectGarbage
      const [rawTook, [counted, rawRss]] = yield* millis(peakRssGrowth(Effect.promise(() => rawLines(path))))
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
    yield* Effect.promise(() => rm(path, { force: true }))
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
        "RSS growth: peak resident set during a pass minus the resident set after a full collection just before it; the raw pass runs after the library's, in a heap the collector has not shrunk yet, so its growth is a lower bound"
      ]
    } satisfies FigureResult
  })
