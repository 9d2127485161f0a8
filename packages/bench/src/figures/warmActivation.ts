import { ByteSize } from "@effect-whisk/core"
import type { DockerContainer } from "@effect-whisk/docker"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { frozenBy, initialized, runOnce } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { post } from "../raw/actionHttp.js"
import { freezerFile, setFreezerState } from "../raw/cgroupFreezer.js"
import * as EngineApi from "../raw/engineApi.js"
import { awaitSentinels, parseLines, readRange } from "../raw/jsonLog.js"
import { runc } from "../raw/processes.js"
import { summarize } from "../stats.js"

const strategies = ["cgroup", "runc", "engine"] as const


/** Freezes that runc gave up on ("unable to freeze": its bounded retries ran out on a loaded machine), tried again. */
let freezesRetried = 0

const activation = (container: DockerContainer.DockerContainer) =>
  Effect.gen(function*() {
    yield* container.resume
    yield* runOnce(container)
    yield* LogStore.collect(container.logLines, { limit: ByteSize.megabytes(10), isDeveloperError: false, sentinelledLogs: true })
    yield* container.suspend.pipe(
      Effect.tapError(() => Effect.sync(() => freezesRetried++)),
      Effect.retry({ times: 2, while: (error) => error.message.includes("unable to freeze") })
    )
  })

/**
 * `runc pause`, again when runc gives up ("unable to freeze": on a loaded machine runc's own bounded retries can run
 * out while the container's processes are busy); a failed baseline would end the whole figure.
 */
const runcPause = async (root: string, id: string, attempts = 3): Promise<unknown> => {
  try {
    return await runc(root, "pause", id)
  } catch (error) {
    if (attempts <= 1 || !String(error).includes("unable to freeze")) throw error
    return runcPause(root, id, attempts - 1)
  }
}

/**
 * 6. a warm activation end to end, from and back to a suspended container: resume + run + logs + suspend, with each
 * strategy of the library's Freezer (one container each). The baseline does the same by hand on its own container
 * (runc spawned, node:http, fs.read with a 1 ms poll for the sentinels); the floor does it by hand with the cgroup
 * freezer file written directly instead of runc, wrapped in one Effect.promise: what the library's cgroup strategy
 * can at best reach.
 */
export const warmActivation = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    freezesRetried = 0
    const containers = {
      cgroup: yield* frozenBy(context, "cgroup"),
      runc: yield* frozenBy(context, "runc"),
      engine: yield* frozenBy(context, "engine")
    }
    const other = yield* initialized(context, actions.noop)
    const byHand = yield* initialized(context, actions.noop)
    const otherLog = yield* Effect.promise(() => EngineApi.logPath(other.id))
    const byHandLog = yield* Effect.promise(() => EngineApi.logPath(byHand.id))
    const byHandFreezer = yield* Effect.promise(() => freezerFile(byHand.id))
    for (const strategy of strategies) yield* containers[strategy].suspend.pipe(Effect.orDie)
    yield* Effect.promise(() => runcPause(context.runcRoot, other.id))
    yield* Effect.promise(() => setFreezerState(byHandFreezer, "FROZEN"))
    let offset = 0
    let byHandOffset = 0
    const byHandActivation = async (resume: () => Promise<unknown>, pause: () => Promise<unknown>, ip: string, log: string, from: number) => {
      await resume()
      const answer = await post(ip, "/run", { value: {} })
      if (answer.status !== 200) throw new Error(`/run answered ${answer.status}`)
      const end = await awaitSentinels(log, from)
      parseLines(await readRange(log, from, end))
      await pause()
      return end
    }
    const samples = yield* interleaved("warm activation", [
      ...strategies.map((strategy) => ({
        name: strategy,
        sample: millis(activation(containers[strategy])).pipe(Effect.map(([took]) => took), Effect.orDie)
      })),
      {
        name: "raw",
        sample: millis(Effect.promise(async () => {
          offset = await byHandActivation(
            () => runc(context.runcRoot, "resume", other.id),
            () => runcPause(context.runcRoot, other.id),
            other.address.host,
            otherLog,
            offset
          )
        })).pipe(Effect.map(([took]) => took))
      },
      {
        name: "floor",
        sample: millis(Effect.promise(async () => {
          byHandOffset = await byHandActivation(
            () => setFreezerState(byHandFreezer, "THAWED"),
            () => setFreezerState(byHandFreezer, "FROZEN"),
            byHand.address.host,
            byHandLog,
            byHandOffset
          )
        })).pipe(Effect.map(([took]) => took))
      }
    ], { warmup: 5, count })
    // Thawed again so that the scope's destroy finds them as the library left them.
    yield* Effect.promise(() => runc(context.runcRoot, "resume", other.id))
    yield* Effect.promise(() => setFreezerState(byHandFreezer, "THAWED"))
    const summaries = Object.fromEntries(strategies.map((strategy) => [strategy, summarize(samples[strategy]!)]))
    const raw = summarize(samples["raw"]!)
    const floor = summarize(samples["floor"]!)
    const cgroup = summaries["cgroup"]!
    const p50 = cgroup.p50 / raw.p50
    const p99 = cgroup.p99 / raw.p99
    return {
      figure: 6,
      title: "warm activation: resume + run + logs + suspend",
      unit: "ms",
      series: {
        "library, cgroup strategy": cgroup,
        "library, runc strategy": summaries["runc"]!,
        "library, engine strategy": summaries["engine"]!,
        "runc + node:http + fs.read": raw,
        "floor: cgroup file + node:http + fs.read": floor
      },
      ratios: {
        "cgroup p50 / raw p50": p50,
        "cgroup p99 / raw p99": p99,
        "floor p50 / raw p50": floor.p50 / raw.p50,
        "cgroup p50 / floor p50": cgroup.p50 / floor.p50,
        "runc strategy p50 / raw p50": summaries["runc"]!.p50 / raw.p50,
        "engine p50 / raw p50": summaries["engine"]!.p50 / raw.p50
      },
      goal: "cgroup strategy p50 ≤ 0.2 × raw, p99 ≤ 0.3 × raw (200 repeats)",
      met: p50 <= 0.2 && p99 <= 0.3,
      notes: [
        "the floor writes the container's freezer.state and reads it back, as the cgroup strategy does, by hand",
        `suspends tried again after runc gave up freezing (runc and engine strategies): ${freezesRetried}`
      ]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
