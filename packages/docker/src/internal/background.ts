import type { Errors } from "@effect-whisk/core"
import { Duration, Effect, FiberSet, Schedule, type Scope } from "effect"

type Remove = (idOrName: string) => Effect.Effect<void, Errors.DockerEngineError>

/**
 * The removals one engine runs in the background. They outlive the fiber that asked for them (an interrupted or
 * finished create) but not the engine's layer: its release waits for them, so an exiting program leaves nothing.
 *
 * @internal
 */
export interface BackgroundRemovals {
  readonly fork: (removal: Effect.Effect<void>) => Effect.Effect<void>
  /** Waits until no removal is running, up to `bound`; then stops (interrupts) those still running. */
  readonly drain: (bound: Duration.Duration) => Effect.Effect<void>
}

/**
 * The removals an engine's `remove` runs in the background, found by that function: the background helpers are
 * called with `engine.remove` from wherever a container must go (the lifecycle, the engine itself), and a service
 * interface change for it would reach every engine implementation and test double. A `remove` without an entry
 * (a test double) runs its removals as plain daemon fibers.
 */
const registry = new WeakMap<Remove, BackgroundRemovals>()

/**
 * Background removals for an engine's `remove`, released with the Scope: the release drains them within `bound`.
 *
 * @internal
 */
export const track = (remove: Remove, bound: Duration.Duration): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make<void>()
    const fork = (removal: Effect.Effect<void>) => Effect.asVoid(FiberSet.run(fibers, removal))
    const drain = (within: Duration.Duration) =>
      Effect.interruptible(FiberSet.awaitEmpty(fibers)).pipe(
        Effect.timeout(within),
        Effect.catchAll(() =>
          Effect.flatMap(FiberSet.size(fibers), (running) =>
            Effect.zipRight(
              Effect.logWarning(
                `${running} background container removals still running after ${Duration.format(within)}; stopped`
              ),
              // Interrupting a removal aborts its request.
              FiberSet.clear(fibers)
            ))
        )
      )
    registry.set(remove, { fork, drain })
    // From here on a removal runs as a plain daemon fiber (the FiberSet closes next).
    yield* Effect.addFinalizer(() => Effect.ensuring(drain(bound), Effect.sync(() => registry.delete(remove))))
  })

/**
 * Drains the background removals of an engine's `remove` within `bound` (nothing to do for a test double).
 *
 * @internal
 */
export const drain = (remove: Remove, bound: Duration.Duration): Effect.Effect<void> =>
  registry.get(remove)?.drain(bound) ?? Effect.void

/**
 * Runs work that ends in a removal (awaiting a create's late answer, say) as one of the engine's background removals.
 *
 * @internal
 */
export const inBackground = (remove: Remove, removal: Effect.Effect<void>): Effect.Effect<void> => {
  // Forked from finalizers and masked regions: without this the removal's own timeouts could not interrupt it.
  const interruptible = Effect.interruptible(removal)
  const tracked = registry.get(remove)
  return tracked === undefined ? Effect.asVoid(Effect.forkDaemon(interruptible)) : tracked.fork(interruptible)
}

const ignoreGone = (remove: Remove, idOrName: string) =>
  remove(idOrName).pipe(Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void))

/**
 * Removes a container without making the caller wait, retrying a failed attempt a few times. The removal outlives
 * the fiber that asked for it and is awaited when the engine's layer is released.
 *
 * @internal
 */
export const removeInBackground = (remove: Remove, idOrName: string): Effect.Effect<void> =>
  inBackground(
    remove,
    ignoreGone(remove, idOrName).pipe(
      Effect.retry({ times: 3, schedule: Schedule.exponential("200 millis") }),
      Effect.tapError((error) => Effect.logWarning(`Could not remove the container ${idOrName}: ${error.message}`)),
      Effect.ignore
    )
  )

/**
 * Removes a container by name in the background, several times over a few seconds: after a create that got no
 * answer, the engine may still be making the container when the first attempt runs.
 *
 * @internal
 */
export const removeByNameInBackground = (remove: Remove, name: string): Effect.Effect<void> =>
  inBackground(
    remove,
    ignoreGone(remove, name).pipe(
      Effect.ignore,
      Effect.repeat({ times: 4, schedule: Schedule.spaced("1 second") })
    )
  )
