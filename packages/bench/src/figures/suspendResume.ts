import type { Freezer } from "@effect-whisk/core"
import { Effect } from "effect"
import type { BenchContext, FigureResult } from "../context.js"
import { frozenBy } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { freezerFile, setFreezerState } from "../raw/cgroupFreezer.js"
import { runc } from "../raw/processes.js"
import { summarize } from "../stats.js"

const strategies = ["cgroup", "runc", "engine"] as const


/**
 * 2. suspend + resume: each strategy of the library's Freezer (cgroup, runc, engine), one container each, against
 * `runc pause` + `runc resume` spawned directly, interleaved in the same run. Each strategy's floor is measured in
 * the same rounds: for runc it is those two spawns (the baseline itself); for the cgroup strategy, the container's
 * `freezer.state` written and read back by hand (every millisecond until it says so), on the cgroup strategy's
 * container.
 */
export const suspendResume = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const containers = {
      cgroup: yield* frozenBy(context, "cgroup"),
      runc: yield* frozenBy(context, "runc"),
      engine: yield* frozenBy(context, "engine")
    }
    const cgroupFile = yield* Effect.promise(() => freezerFile(containers.cgroup.id))
    const samples = yield* interleaved("suspend + resume", [
      ...strategies.map((strategy) => ({
        name: strategy,
        sample: millis(Effect.zipRight(containers[strategy].suspend, containers[strategy].resume)).pipe(
          Effect.map(([took]) => took),
          Effect.orDie
        )
      })),
      {
        name: "raw",
        sample: millis(Effect.promise(async () => {
          await runc(context.runcRoot, "pause", containers.runc.id)
          await runc(context.runcRoot, "resume", containers.runc.id)
        })).pipe(Effect.map(([took]) => took))
      },
      {
        name: "cgroup floor",
        sample: millis(Effect.promise(async () => {
          await setFreezerState(cgroupFile, "FROZEN")
          await setFreezerState(cgroupFile, "THAWED")
        })).pipe(Effect.map(([took]) => took))
      }
    ], { warmup: 3, count })
    const raw = summarize(samples["raw"]!)
    const cgroupFloor = summarize(samples["cgroup floor"]!)
    const summaries = Object.fromEntries(strategies.map((strategy) => [strategy, summarize(samples[strategy]!)]))
    const ratio = (strategy: Freezer.Strategy) => summaries[strategy]!.median / raw.median
    return {
      figure: 2,
      title: "suspend + resume",
      unit: "ms",
      series: {
        "library, cgroup strategy": summaries["cgroup"]!,
        "library, runc strategy": summaries["runc"]!,
        "library, engine strategy": summaries["engine"]!,
        "runc pause + resume (the runc strategy's floor: two spawns)": raw,
        "floor of the cgroup strategy: freezer.state by hand": cgroupFloor
      },
      ratios: {
        "cgroup / runc": ratio("cgroup"),
        "runc strategy / runc": ratio("runc"),
        "engine / runc": ratio("engine"),
        "cgroup floor / runc": cgroupFloor.median / raw.median,
        "cgroup / cgroup floor": summaries["cgroup"]!.median / cgroupFloor.median
      },
      goal: "cgroup ≤ 0.15 × runc, runc strategy ≤ 1.1 × runc, engine reported",
      met: ratio("cgroup") <= 0.15 && ratio("runc") <= 1.1
    } satisfies FigureResult
  }).pipe(Effect.scoped)
