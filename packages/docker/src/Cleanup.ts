/**
 * Removing leftover action containers by owner (B10, with ownership instead of OpenWhisk's shared name prefix):
 * every container carries its owner's labels (ContainerOwner), and a cleanup removes only the containers it
 * selects, never those of another running program. Containers frozen by runc are thawed first (the engine does not
 * know they are frozen). A cleanup is bounded as a whole by `cleanupTimeout`, in a finalizer too.
 *
 * @since 0.1.0
 */
import { ContainerOwner, DockerEngine, EngineConfig, Errors, FreezerConfig, Runc } from "@effect-whisk/core"
import { Duration, Effect, Either, Layer, Option } from "effect"
import { hostname } from "node:os"
import { drain } from "./internal/background.js"
import { runcFor } from "./internal/engineRunc.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Report {
  /** How many containers were selected. */
  readonly found: number
  /** The removals that failed (the others succeeded). */
  readonly failures: ReadonlyArray<Errors.DockerEngineError>
}

/**
 * Which containers a cleanup removes:
 * - `Mine`: this engine's owner instance's, and orphans (what a layer removes at start and at stop);
 * - `Orphaned`: those whose owner process is gone on this host (`effect-whisk cleanup`);
 * - `All`: every effect-whisk container, running programs' included (`effect-whisk cleanup --all`).
 *
 * @since 0.1.0
 * @category models
 */
export type Selection = "Mine" | "Orphaned" | "All"

const removalConcurrency = 10

/**
 * Whether a process of this host is alive; one that exists under another user is alive too.
 *
 * @since 0.1.0
 * @category predicates
 */
export const processIsAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

const selects = (selection: Selection, me: ContainerOwner.ContainerOwner, host: string) =>
(container: DockerEngine.ContainerSummary): boolean =>
  Option.match(ContainerOwner.fromLabels(container.labels), {
    // A container with an owner label but not a whole owner is effect-whisk's, of no process that can be told.
    onNone: () => selection === "All",
    onSome: (owner) =>
      selection === "All" ||
      ContainerOwner.isOrphan(owner, host, processIsAlive) ||
      (selection === "Mine" && owner.instance === me.instance)
  })

/**
 * Removes the selected containers. Fails when the containers cannot be listed or the whole removal takes longer
 * than `cleanupTimeout`; a container that cannot be removed is reported, not fatal.
 *
 * @since 0.1.0
 * @category cleanup
 */
export const removeContainers = (
  selection: Selection
): Effect.Effect<Report, Errors.DockerEngineError, DockerEngine.DockerEngine | Runc.Runc | EngineConfig.EngineConfig | FreezerConfig.FreezerConfig> =>
  Effect.gen(function*() {
    const engine = yield* DockerEngine.DockerEngine
    const own = yield* Runc.Runc
    const config = yield* EngineConfig.EngineConfig
    const freezerConfig = yield* FreezerConfig.FreezerConfig
    const useRunc = FreezerConfig.usesRunc(freezerConfig)
    // A container frozen behind the engine's back is thawed by runc at the root where this engine's runc keeps it.
    const runc = useRunc
      ? yield* engine.version.pipe(
        Effect.flatMap((version) => runcFor(version.flavor, freezerConfig, own)),
        Effect.map(({ runc }) => runc),
        Effect.orElseSucceed(() => own)
      )
      : own

    const thaw = (container: DockerEngine.ContainerSummary): Effect.Effect<void> => {
      if (useRunc) return Effect.ignore(runc.resume(container.id))
      return container.state === "paused" ? Effect.ignore(engine.unpause(container.id)) : Effect.void
    }

    const removeAll = Effect.gen(function*() {
      const selected = (yield* engine.listOwned).filter(selects(selection, engine.owner, hostname()))
      yield* Effect.logInfo(`removing ${selected.length} action containers.`)
      const results: ReadonlyArray<Either.Either<void, Errors.DockerEngineError>> = yield* Effect.forEach(
        selected,
        (container) => Effect.either(Effect.zipRight(thaw(container), engine.remove(container.id))),
        { concurrency: removalConcurrency }
      )
      const failures = results.filter(Either.isLeft).map((result) => result.left)
      yield* Effect.forEach(failures, (failure) => Effect.logWarning(failure.message))
      return { found: selected.length, failures }
    })

    // Interruptible even in a finalizer: the timeout must be able to stop it (its engine calls abort when stopped).
    return yield* Effect.interruptible(removeAll).pipe(
      Effect.timeoutFail({
        duration: config.cleanupTimeout,
        onTimeout: () =>
          new Errors.DockerEngineError({
            operation: "removeLeftovers",
            target: selection === "Mine" ? `owner ${engine.owner.instance}` : selection,
            reason: "Timeout",
            description: `not done within ${Duration.format(config.cleanupTimeout)}`
          })
      })
    )
  }).pipe(Effect.withSpan("Cleanup.removeContainers", { attributes: { selection } }))

/**
 * This owner instance's containers and orphans.
 *
 * @since 0.1.0
 * @category cleanup
 */
export const removeLeftovers: Effect.Effect<
  Report,
  Errors.DockerEngineError,
  DockerEngine.DockerEngine | Runc.Runc | EngineConfig.EngineConfig | FreezerConfig.FreezerConfig
> = removeContainers("Mine")

// At stop, the removals still running in the background (a broken container, a create answered late) come first,
// then what is left; all of it within the one cleanup timeout.
const removeAtStop = Effect.gen(function*() {
  const engine = yield* DockerEngine.DockerEngine
  const config = yield* EngineConfig.EngineConfig
  const started = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
  yield* drain(engine.remove, config.cleanupTimeout)
  const spent = (yield* Effect.clockWith((clock) => clock.currentTimeMillis)) - started
  const left = Duration.max(Duration.millis(1), Duration.subtract(config.cleanupTimeout, Duration.millis(spent)))
  return yield* removeLeftovers.pipe(
    Effect.provideService(EngineConfig.EngineConfig, { ...config, cleanupTimeout: left })
  )
})

/**
 * Removes this owner's leftovers and orphans when the layer is built (a failure fails the build, as OpenWhisk's
 * invoker does not start) and again when it is released (a failure is logged: `Failed to remove action
 * containers: <message>`), after the background removals.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, Errors.DockerEngineError, DockerEngine.DockerEngine | Runc.Runc | EngineConfig.EngineConfig | FreezerConfig.FreezerConfig> =
  Layer.scopedDiscard(
    Effect.zipRight(
      removeLeftovers,
      Effect.addFinalizer(() =>
        removeAtStop.pipe(
          Effect.catchAll((error) => Effect.logWarning(`Failed to remove action containers: ${error.message}`))
        )
      )
    )
  )
