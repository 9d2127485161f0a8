import { Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized, runOnce } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { post } from "../raw/actionHttp.js"
import { summarize } from "../stats.js"

/** 3. a warm /run of a no-op action: the library vs a bare node:http POST to the same container. */
export const warmRun = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const container = yield* initialized(context, actions.noop)
    const samples = yield* interleaved("warm /run", [
      { name: "library", sample: millis(runOnce(container)).pipe(Effect.map(([took]) => took)) },
      {
        name: "node:http",
        sample: millis(Effect.promise(() => post(container.address.host, "/run", { value: {} }))).pipe(
          Effect.tap(([, answer]) =>
            answer.status === 200 ? Effect.void : Effect.dieMessage(`/run answered ${answer.status}: ${answer.body}`)
          ),
          Effect.map(([took]) => took)
        )
      }
    ], { warmup: 10, count })
    const library = summarize(samples["library"]!)
    const raw = summarize(samples["node:http"]!)
    const ratio = library.median / raw.median
    return {
      figure: 3,
      title: "warm /run of a no-op action",
      unit: "ms",
      series: { library, "node:http POST": raw },
      ratios: { "library / node:http": ratio },
      goal: "≤ 1.2 × node:http",
      met: ratio <= 1.2,
      notes: ["both open a new connection per request (no keep-alive), as OpenWhisk's client does"]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
