import { Freezer, FreezerConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import { Duration, Effect } from "effect"
import { actions, type BenchContext } from "./context.js"

const timeout = Duration.seconds(30)

export const callOptions = { timeout, maxConcurrent: 1 } as const

/** A runtime container with `code` initialised, removed when the scope closes. Failures end the benchmark. */
export const initialized = (context: BenchContext, code: string) =>
  Effect.gen(function*() {
    const container = yield* DockerContainer.createScoped({ image: context.image, userProvided: false })
    yield* container.initialize({ name: "bench", main: "main", binary: false, code }, callOptions)
    return container
  }).pipe(Effect.orDie)

/** Runs the action once and insists on success. */
export const runOnce = (container: DockerContainer.DockerContainer) =>
  container.run({}, {}, callOptions).pipe(
    Effect.orDie,
    Effect.tap(({ response }) =>
      response.isSuccess ? Effect.void : Effect.dieMessage(`the action did not succeed: ${JSON.stringify(response)}`)
    )
  )

/** A runtime container with the no-op action whose suspend and resume use the given strategy of the live Freezer. */
export const frozenBy = (context: BenchContext, strategy: Freezer.Strategy) =>
  Effect.gen(function*() {
    const config = yield* FreezerConfig.FreezerConfig
    const freezer = yield* FreezerChoice.make.pipe(
      Effect.provideService(FreezerConfig.FreezerConfig, { ...config, mode: strategy })
    )
    return yield* initialized(context, actions.noop).pipe(Effect.provideService(Freezer.Freezer, freezer))
  })
