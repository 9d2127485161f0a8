import { DockerContainer } from "@effect-whisk/docker"
import { Duration, Effect } from "effect"
import type { BenchContext } from "./context.js"

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
