/**
 * A wall-clock interval in epoch milliseconds, as OpenWhisk measures calls into a container.
 *
 * @since 0.1.0
 */
import { Clock, Data, Duration, Effect } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export class Interval extends Data.Class<{ readonly start: number; readonly end: number }> {
  get duration(): Duration.Duration {
    return Duration.millis(this.end - this.start)
  }
  get millis(): number {
    return this.end - this.start
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (start: number, end: number): Interval => new Interval({ start, end })

/**
 * An interval that starts and ends now (OpenWhisk's `Interval.zero`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const zero: Effect.Effect<Interval> = Effect.map(Clock.currentTimeMillis, (now) => make(now, now))

/**
 * Runs an effect and measures it on the Clock.
 *
 * @since 0.1.0
 * @category combinators
 */
export const timed = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[Interval, A], E, R> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const a = yield* self
    const end = yield* Clock.currentTimeMillis
    return [make(start, end), a] as [Interval, A]
  })
