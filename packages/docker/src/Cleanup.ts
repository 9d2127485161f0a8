/**
 * Removing leftover action containers by name prefix (B10): at start, containers of an earlier run that ended
 * without cleaning up; at stop, whatever this run leaves. Containers frozen by runc are thawed first (the engine does
 * not know they are frozen). The whole removal is bounded by `cleanupTimeout`.
 *
 * @since 0.1.0
 */
import { DockerEngine, Errors, Runc, WhiskConfig } from "@effect-whisk/core"
import { Duration, Effect, Either, Layer } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Report {
  /** How many containers with the prefix were found. */
  readonly found: number
  /** The removals that failed (the others succeeded). */
  readonly failures: ReadonlyArray<Errors.DockerEngineError>
}

const removalConcurrency = 10

/**
 * Removes every container whose name starts with `<prefix>_`. Fails when the containers cannot be listed or the
 * whole removal takes longer than `cleanupTimeout`; a container that cannot be removed is reported, not fatal.
 *
 * @since 0.1.0
 * @category cleanup
 */
export const removeLeftoversWith = (
  prefix: string
): Effect.Effect<Report, Errors.DockerEngineError, DockerEngine.DockerEngine | Runc.Runc | WhiskConfig.WhiskConfig> =>
  Effect.gen(function*() {
    const engine = yield* DockerEngine.DockerEngine
    const runc = yield* Runc.Runc
    const config = yield* WhiskConfig.WhiskConfig
    const namePrefix = `${prefix}_`

    const thaw = (container: DockerEngine.ContainerSummary): Effect.Effect<void> => {
      if (config.docker.useRunc) return Effect.ignore(runc.resume(container.id))
      return container.state === "paused" ? Effect.ignore(engine.unpause(container.id)) : Effect.void
    }

    const removeAll = Effect.gen(function*() {
      const leftovers = yield* engine.list(namePrefix)
      yield* Effect.logInfo(`removing ${leftovers.length} action containers.`)
      const results: ReadonlyArray<Either.Either<void, Errors.DockerEngineError>> = yield* Effect.forEach(
        leftovers,
        (container) => Effect.either(Effect.zipRight(thaw(container), engine.remove(container.id))),
        { concurrency: removalConcurrency }
      )
      const failures = results.filter(Either.isLeft).map((result) => result.left)
      yield* Effect.forEach(failures, (failure) => Effect.logWarning(failure.message))
      return { found: leftovers.length, failures }
    })

    // Interruptible even in a finalizer: the timeout must be able to stop it (its engine calls abort when stopped).
    return yield* Effect.interruptible(removeAll).pipe(
      Effect.timeoutFail({
        duration: config.cleanupTimeout,
        onTimeout: () =>
          new Errors.DockerEngineError({
            operation: "removeLeftovers",
            target: namePrefix,
            reason: "Timeout",
            description: `not done within ${Duration.format(config.cleanupTimeout)}`
          })
      })
    )
  }).pipe(Effect.withSpan("Cleanup.removeLeftovers", { attributes: { prefix } }))

/**
 * `removeLeftoversWith` for the configured container name prefix.
 *
 * @since 0.1.0
 * @category cleanup
 */
export const removeLeftovers: Effect.Effect<
  Report,
  Errors.DockerEngineError,
  DockerEngine.DockerEngine | Runc.Runc | WhiskConfig.WhiskConfig
> = Effect.flatMap(WhiskConfig.WhiskConfig, (config) => removeLeftoversWith(config.containerNamePrefix))

/**
 * Removes leftovers when the layer is built (a failure fails the build, as OpenWhisk's invoker does not start) and
 * again when it is released (a failure is logged: `Failed to remove action containers: <message>`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, Errors.DockerEngineError, DockerEngine.DockerEngine | Runc.Runc | WhiskConfig.WhiskConfig> =
  Layer.scopedDiscard(
    Effect.zipRight(
      removeLeftovers,
      Effect.addFinalizer(() =>
        removeLeftovers.pipe(
          Effect.catchAll((error) => Effect.logWarning(`Failed to remove action containers: ${error.message}`))
        )
      )
    )
  )
