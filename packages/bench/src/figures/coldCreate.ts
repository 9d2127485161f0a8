import { DockerContainer } from "@effect-whisk/docker"
import { Effect } from "effect"
import { performance } from "node:perf_hooks"
import type { BenchContext, FigureResult } from "../context.js"
import { interleaved, millis } from "../measure.js"
import * as EngineApi from "../raw/engineApi.js"
import { dockerRunInspect } from "../raw/processes.js"
import { summarize } from "../stats.js"

/** 1. cold create → address: the library vs create + start + inspect on the bare API vs `docker run -d` + inspect. */
export const coldCreate = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    let serial = 0
    const rawName = () => `${context.prefix}_raw-${process.pid}-${serial++}`
    const timedRaw = (create: (image: string, name: string) => Promise<{ id: string }>) =>
      Effect.promise(async () => {
        const start = performance.now()
        const { id } = await create(context.image, rawName())
        const took = performance.now() - start
        await EngineApi.remove(id)
        return took
      })
    const samples = yield* interleaved("cold create", [
      {
        name: "library",
        sample: millis(DockerContainer.create({ image: context.image, userProvided: false })).pipe(
          Effect.tap(([, container]) => container.destroy),
          Effect.map(([took]) => took),
          Effect.orDie
        )
      },
      { name: "engine API", sample: timedRaw(EngineApi.createStartInspect) },
      { name: "docker CLI", sample: timedRaw((image, name) => dockerRunInspect(image, name, context.podman)) }
    ], { warmup: 2, count, collect: true })
    const library = summarize(samples["library"]!)
    const api = summarize(samples["engine API"]!)
    const cli = summarize(samples["docker CLI"]!)
    const versusApi = library.median / api.median
    const versusCli = library.median / cli.median
    return {
      figure: 1,
      title: "cold create → address",
      unit: "ms",
      series: { library, "engine API": api, "docker CLI": cli },
      ratios: { "library / engine API": versusApi, "library / docker CLI": versusCli },
      goal: "≤ 1.10 × engine API, < docker CLI",
      met: versusApi <= 1.1 && versusCli < 1
    } satisfies FigureResult
  })
