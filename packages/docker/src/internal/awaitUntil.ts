import { Effect, Fiber } from "effect"
import type { Exit } from "effect"

/** setTimeout takes at most a signed 32-bit number of milliseconds (a longer delay fires at once). */
const longestTimer = 2 ** 31 - 1

/**
 * Waits for `fiber` until `deadlineMillis` (Clock time): gives its exit, or, once the deadline has passed, interrupts
 * it (its finalizers run) and gives `onDeadline`. Interrupting the wait interrupts the fiber.
 *
 * `Effect.timeout` forks two fibers per call (the effect and a sleep); on the hot path of /run that cost more than
 * the rest of the client. A timer and an exit observer do the same here.
 *
 * @internal
 */
export const awaitUntil = <A, E, E2>(
  fiber: Fiber.RuntimeFiber<A, E>,
  deadlineMillis: number,
  onDeadline: Effect.Effect<never, E2>
): Effect.Effect<A, E | E2> =>
  Effect.clockWith((clock) =>
    Effect.async<A, E | E2>((resume) => {
      let done = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const onExit = (exit: Exit.Exit<A, E>) => {
        done = true
        clearTimeout(timer)
        resume(exit)
      }
      // Node timers may fire a millisecond before the clock says the time is up: a deadline must never look early.
      const wakeAtDeadline = () => {
        const left = deadlineMillis - clock.unsafeCurrentTimeMillis()
        if (left > 0) {
          timer = setTimeout(wakeAtDeadline, Math.min(left, longestTimer))
          return
        }
        done = true
        fiber.removeObserver(onExit)
        resume(Effect.zipRight(Fiber.interrupt(fiber), onDeadline))
      }
      fiber.addObserver(onExit)
      if (!done) wakeAtDeadline()
      return Effect.suspend(() => {
        clearTimeout(timer)
        fiber.removeObserver(onExit)
        return Fiber.interrupt(fiber)
      })
    })
  )
