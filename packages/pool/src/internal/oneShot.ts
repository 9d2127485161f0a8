import { Effect, type Exit } from "effect"

/**
 * A value set once and awaited by one fiber: what a buffered activation waits for. A `Deferred` made per waiting
 * activation cost about 2.5 % of the pool's CPU over instant containers (figure 10a's buffer is almost never empty):
 * `Deferred.unsafeMake` copies the whole Effect prototype into each one.
 *
 * @internal
 */
export interface OneShot<A, E> {
  exit: Exit.Exit<A, E> | undefined
  resume: ((exit: Exit.Exit<A, E>) => void) | undefined
}

/** @internal */
export const make = <A, E>(): OneShot<A, E> => ({ exit: undefined, resume: undefined })

/** Sets the value, once: later calls do nothing, as `Deferred.unsafeDone`'s. @internal */
export const unsafeDone = <A, E>(self: OneShot<A, E>, exit: Exit.Exit<A, E>): void => {
  if (self.exit !== undefined) return
  self.exit = exit
  const resume = self.resume
  if (resume !== undefined) {
    self.resume = undefined
    resume(exit)
  }
}

/** Waits for the value; interruptible, and an interrupted wait leaves nothing behind. @internal */
export const wait = <A, E>(self: OneShot<A, E>): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    if (self.exit !== undefined) return resume(self.exit)
    self.resume = resume
    return Effect.sync(() => {
      self.resume = undefined
    })
  })
