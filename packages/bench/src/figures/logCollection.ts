import { ByteSize } from "@effect-whisk/core"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized, runOnce } from "../containers.js"
import { collectGarbageAndSettle, millis, say } from "../measure.js"
import * as EngineApi from "../raw/engineApi.js"
import { awaitSentinels, parseLines, readRange } from "../raw/jsonLog.js"
import { summarize } from "../stats.js"

const lines = 1000

/**
 * 4. collecting the logs of an activation with 1,000 lines: the library (log pipeline + formatting) vs reading the
 * same bytes with fs.read, splitting them and JSON.parse of each line. Both start once the whole activation is in
 * the file, so neither waits for the action.
 */
export const logCollection = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const container = yield* initialized(context, actions.thousandLines)
    const path = yield* Effect.promise(() => EngineApi.logPath(container.id))
    // As many untimed rounds first: a running invoker's collections are compiled code, the first ones are not.
    const warmup = count
    const library: Array<number> = []
    const raw: Array<number> = []
    let offset = 0
    let bytes = 0
    for (let round = 0; round < warmup + count; round++) {
      yield* runOnce(container)
      const end = yield* Effect.promise(() => awaitSentinels(path, offset))
      bytes = end - offset
      yield* collectGarbageAndSettle
      const [libraryTook, formatted] = yield* millis(LogStore.collect(container.logLines, {
        limit: ByteSize.megabytes(10),
        isDeveloperError: false,
        sentinelledLogs: true
      })).pipe(Effect.orDie)
      if (formatted.length !== lines) yield* Effect.dieMessage(`the library collected ${formatted.length} lines, not ${lines}`)
      yield* collectGarbageAndSettle
      const [rawTook, entries] = yield* millis(Effect.promise(async () => parseLines(await readRange(path, offset, end))))
      if (entries.length !== lines + 2) yield* Effect.dieMessage(`fs.read found ${entries.length} lines, not ${lines + 2}`)
      offset = end
      if (round >= warmup) {
        library.push(libraryTook)
        raw.push(rawTook)
      }
      if ((round + 1) % 10 === 0) yield* say(`log collection: round ${round + 1}/${warmup + count}`)
    }
    const librarySummary = summarize(library)
    const rawSummary = summarize(raw)
    const ratio = librarySummary.median / rawSummary.median
    return {
      figure: 4,
      title: `logs of an activation with ${lines} lines`,
      unit: "ms",
      series: { library: librarySummary, "fs.read + split + JSON.parse": rawSummary },
      ratios: { "library / fs.read": ratio },
      goal: "≤ 1.3 × fs.read",
      met: ratio <= 1.3,
      notes: [`${bytes} bytes of json-file log per activation; the library also formats each line`]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
