import type { Errors } from "@effect-whisk/core"
import { Effect, Schedule } from "effect"

type Remove = (idOrName: string) => Effect.Effect<void, Errors.DockerEngineError>

const ignoreGone = (remove: Remove, idOrName: string) =>
  remove(idOrName).pipe(Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void))

/**
 * Removes a container without making the caller wait. The removal runs as a daemon fiber, so it outlives the fiber
 * that asked for it (an interrupted or finished create), and retries a failed attempt a few times.
 *
 * @internal
 */
export const removeInBackground = (remove: Remove, idOrName: string): Effect.Effect<void> =>
  ignoreGone(remove, idOrName).pipe(
    Effect.retry({ times: 3, schedule: Schedule.exponential("200 millis") }),
    Effect.tapError((error) => Effect.logWarning(`Could not remove the container ${idOrName}: ${error.message}`)),
    Effect.ignore,
    // Forked from finalizers and masked regions: without this the removal's own timeouts could not interrupt it.
    Effect.interruptible,
    Effect.forkDaemon,
    Effect.asVoid
  )

/**
 * Removes a container by name in the background, several times over a few seconds: after a create that got no
 * answer, the engine may still be making the container when the first attempt runs.
 *
 * @internal
 */
export const removeByNameInBackground = (remove: Remove, name: string): Effect.Effect<void> =>
  ignoreGone(remove, name).pipe(
    Effect.ignore,
    Effect.repeat({ times: 4, schedule: Schedule.spaced("1 second") }),
    Effect.interruptible,
    Effect.forkDaemon,
    Effect.asVoid
  )
