import { ByteSize } from "@effect-whisk/core"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized, runOnce } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { post } from "../raw/actionHttp.js"
import * as EngineApi from "../raw/engineApi.js"
import { awaitSentinels, parseLines, readRange } from "../raw/jsonLog.js"
import { runc } from "../raw/processes.js"
import { summarize } from "../stats.js"

/**
 * 6. a warm activation end to end, from and back to a suspended container: resume + run + logs + suspend. The
 * baseline does the same by hand on its own container (runc, node:http, fs.read with a 1 ms poll for the sentinels).
 */
export const warmActivation = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const container = yield* initialized(context, actions.noop)
    const other = yield* initialized(context, actions.noop)
    const otherLog = yield* Effect.promise(() => EngineApi.logPath(other.id))
    yield* container.suspend.pipe(Effect.orDie)
    yield* Effect.promise(() => runc(context.runcRoot, "pause", other.id))
    let offset = 0
    const samples = yield* interleaved("warm activation", [
      {
        name: "library",
        sample: millis(Effect.gen(function*() {
          yield* container.resume
          yield* runOnce(container)
          yield* LogStore.collect(container.logLines, { limit: ByteSize.megabytes(10), isDeveloperError: false, sentinelledLogs: true })
          yield* container.suspend
        })).pipe(Effect.map(([took]) => took), Effect.orDie)
      },
      {
        name: "raw",
        sample: millis(Effect.promise(async () => {
          await runc(context.runcRoot, "resume", other.id)
          const answer = await post(other.address.host, "/run", { value: {} })
          if (answer.status !== 200) throw new Error(`/run answered ${answer.status}`)
          const end = await awaitSentinels(otherLog, offset)
          parseLines(await readRange(otherLog, offset, end))
          offset = end
          await runc(context.runcRoot, "pause", other.id)
        })).pipe(Effect.map(([took]) => took))
      }
    ], { warmup: 5, count })
    // Thawed again so that the scope's destroy finds it as the library left it.
    yield* Effect.promise(() => runc(context.runcRoot, "resume", other.id))
    const library = summarize(samples["library"]!)
    const raw = summarize(samples["raw"]!)
    return {
      figure: 6,
      title: "warm activation: resume + run + logs + suspend",
      unit: "ms",
      series: { library, "runc + node:http + fs.read": raw },
      ratios: { "library p50 / raw p50": library.p50 / raw.p50, "library p99 / raw p99": library.p99 / raw.p99 },
      goal: "p50 and p99 over 200 repeats",
      met: true
    } satisfies FigureResult
  }).pipe(Effect.scoped)
