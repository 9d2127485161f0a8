import { Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { runc } from "../raw/processes.js"
import { summarize } from "../stats.js"

/** 2. suspend + resume: the library (runc) vs `runc pause` + `runc resume` spawned directly, on one container. */
export const suspendResume = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const container = yield* initialized(context, actions.noop)
    const samples = yield* interleaved("suspend + resume", [
      {
        name: "library",
        sample: millis(Effect.zipRight(container.suspend, container.resume)).pipe(
          Effect.map(([took]) => took),
          Effect.orDie
        )
      },
      {
        name: "runc",
        sample: millis(Effect.promise(async () => {
          await runc(context.runcRoot, "pause", container.id)
          await runc(context.runcRoot, "resume", container.id)
        })).pipe(Effect.map(([took]) => took))
      }
    ], { warmup: 3, count })
    const library = summarize(samples["library"]!)
    const raw = summarize(samples["runc"]!)
    const ratio = library.median / raw.median
    return {
      figure: 2,
      title: "suspend + resume",
      unit: "ms",
      series: { library, "runc pause + resume": raw },
      ratios: { "library / runc": ratio },
      goal: "≤ 1.2 × runc",
      met: ratio <= 1.2
    } satisfies FigureResult
  }).pipe(Effect.scoped)
