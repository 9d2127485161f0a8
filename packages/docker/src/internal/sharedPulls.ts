import type { DockerEngine, Errors } from "@effect-whisk/core"
import { Effect, Exit, Fiber, PubSub, type Scope, Stream, Take } from "effect"

type PullTake = Take.Take<DockerEngine.PullEvent, Errors.DockerEngineError>

interface InFlight {
  readonly events: PubSub.PubSub<PullTake>
  subscribers: number
  fiber: Fiber.RuntimeFiber<void, Errors.DockerEngineError> | undefined
}

/**
 * Concurrent pulls of the same image share one engine pull (B40): each caller sees the progress events from the
 * moment it joined and the pull's outcome. The entry is dropped when the pull ends, so a failed pull is not
 * remembered and the next pull asks the engine again. When every caller has gone away the pull is interrupted.
 *
 * The pulls run in the Scope this is made in, not in a caller's fiber, so one caller leaving does not end the
 * others' pull.
 *
 * @internal
 */
export const sharePulls = (engine: DockerEngine.Service): Effect.Effect<DockerEngine.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const lock = yield* Effect.makeSemaphore(1)
    const inFlight = new Map<string, InFlight>()

    const finish = (image: string, entry: InFlight, exit: Exit.Exit<void, Errors.DockerEngineError>) =>
      lock.withPermits(1)(Effect.suspend(() => {
        if (inFlight.get(image) === entry) inFlight.delete(image)
        const last: PullTake = Exit.isSuccess(exit) ? Take.end : Take.failCause(exit.cause)
        return PubSub.publish(entry.events, last)
      }))

    // onExit also runs when the pull is interrupted, so no caller is left waiting for an outcome.
    const publish = (image: string, entry: InFlight) =>
      engine.pull(image).pipe(
        Stream.runForEach((event) => PubSub.publish(entry.events, Take.of(event))),
        Effect.onExit((exit) => finish(image, entry, exit))
      )

    const leave = (image: string, entry: InFlight) =>
      Effect.flatMap(
        lock.withPermits(1)(Effect.sync(() => {
          entry.subscribers -= 1
          if (entry.subscribers > 0 || inFlight.get(image) !== entry) return undefined
          inFlight.delete(image)
          return entry.fiber
        })),
        (abandoned) => abandoned === undefined ? Effect.void : Fiber.interrupt(abandoned)
      )

    const join = (image: string) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const existing = inFlight.get(image)
        const entry: InFlight = existing ?? { events: yield* PubSub.unbounded<PullTake>(), subscribers: 0, fiber: undefined }
        const subscription = yield* PubSub.subscribe(entry.events)
        entry.subscribers += 1
        yield* Effect.addFinalizer(() => leave(image, entry))
        if (existing === undefined) {
          inFlight.set(image, entry)
          entry.fiber = yield* Effect.forkIn(Effect.interruptible(publish(image, entry)), scope)
        }
        return subscription
      }))

    return {
      ...engine,
      pull: (image) =>
        Stream.unwrapScoped(Effect.map(join(image), (subscription) => Stream.flattenTake(Stream.fromQueue(subscription))))
    }
  })
