import { Effect } from "effect"

/** @internal */
export interface FairSemaphore {
  /** Runs the effect with one permit; waiters get permits strictly in arrival order. */
  readonly withPermit: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Permits not held and not handed to a waiter. */
  readonly available: Effect.Effect<number>
  readonly waiting: Effect.Effect<number>
}

interface Waiter {
  granted: boolean
  readonly resume: (effect: Effect.Effect<void>) => void
}

/**
 * A first-come, first-served semaphore (B38's fair `docker run` limit). Effect's own semaphore lets a newcomer take
 * a permit that was just released ahead of the fibers already waiting, so it is not fair.
 *
 * A released permit is handed straight to the oldest waiter. A waiter interrupted after the hand-over passes the
 * permit on, so no permit is ever lost.
 *
 * @internal
 */
export const make = (permits: number): Effect.Effect<FairSemaphore> =>
  Effect.sync(() => {
    let free = permits
    const waiters: Array<Waiter> = []

    const releaseUnsafe = () => {
      const next = waiters.shift()
      if (next === undefined) {
        free += 1
        return
      }
      next.granted = true
      next.resume(Effect.void)
    }

    const acquire = Effect.async<void>((resume) => {
      const waiter: Waiter = { granted: false, resume }
      if (free > 0 && waiters.length === 0) {
        free -= 1
        waiter.granted = true
        resume(Effect.void)
      } else {
        waiters.push(waiter)
      }
      // Runs only when the acquire ends by interruption, which can also happen just after the permit was granted.
      return Effect.sync(() => {
        if (waiter.granted) {
          releaseUnsafe()
        } else {
          const at = waiters.indexOf(waiter)
          if (at >= 0) waiters.splice(at, 1)
        }
      })
    })

    const release = Effect.sync(releaseUnsafe)

    return {
      withPermit: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.zipRight(restore(acquire), Effect.ensuring(restore(self), release))
        ),
      available: Effect.sync(() => free),
      waiting: Effect.sync(() => waiters.length)
    }
  })
