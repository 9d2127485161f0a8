import { Clock, Data, Duration, Effect, Option } from "effect"
import { Deadlines as CollectionDeadlines } from "./deadlines.js"

/**
 * No line came for the idle timeout.
 *
 * @internal
 */
export class LogIdleTimeout extends Data.TaggedError("LogIdleTimeout")<{ readonly timeout: Duration.Duration }> {
  override get message(): string {
    return `No log line came for ${Duration.format(this.timeout)}`
  }
}

/**
 * The collection did not finish within its overall timeout.
 *
 * @internal
 */
export class LogCollectionTimeout extends Data.TaggedError("LogCollectionTimeout")<{
  readonly timeout: Duration.Duration
}> {
  override get message(): string {
    return `Collecting the logs took longer than ${Duration.format(this.timeout)}`
  }
}

/**
 * The idle timeout (Akka's `idleTimeout`: since the last line, or the start) and the overall timeout
 * (`completionTimeout`) of one collection.
 *
 * @internal
 */
export interface Deadlines {
  /**
   * Restarts the idle timeout: a line went out. Synchronous: the clock is read at the next pull of the bytes, which
   * follows as soon as the lines are consumed.
   */
  readonly activity: () => void
  /**
   * Bounds a pull of the raw bytes by the nearer deadline, and fails with the timeout that passed. Only waiting for
   * bytes can take long (the work on them is synchronous), so bounding those pulls bounds the collection.
   */
  readonly bounded: <A, E, R>(
    pull: Effect.Effect<A, Option.Option<E>, R>
  ) => Effect.Effect<A, Option.Option<E | LogIdleTimeout | LogCollectionTimeout>, R>
}

/**
 * Deadlines counted from now.
 *
 * Why on the pulls of raw bytes and not on the lines (`Stream.timeoutFail` and `Stream.interruptWhen` after the last
 * stage): those race the pull in another fiber, so every decoded line would be made in one fiber and used in another.
 * V8 then learns that the lines outlive their young generation and allocates them in the old one from the start
 * (allocation site pretenuring): the heap grows by hundreds of MB on a large log and the collection runs at half
 * speed. Racing only the read of the bytes keeps the lines in the fiber that uses them.
 *
 * @internal
 */
export const makeDeadlines = (idle: Duration.DurationInput, total: Duration.DurationInput): Effect.Effect<Deadlines> =>
  Effect.map(Clock.currentTimeMillis, (started) => {
    const deadlines = new CollectionDeadlines(Duration.toMillis(idle), Duration.toMillis(total), started)
    let active = false
    const timeout = () =>
      deadlines.nearer === "Overall"
        ? new LogCollectionTimeout({ timeout: Duration.decode(total) })
        : new LogIdleTimeout({ timeout: Duration.decode(idle) })
    const bounded = <A, E, R>(
      pull: Effect.Effect<A, Option.Option<E>, R>
    ): Effect.Effect<A, Option.Option<E | LogIdleTimeout | LogCollectionTimeout>, R> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (active) {
          deadlines.activity(now)
          active = false
        }
        const left = deadlines.left(now)
        if (left <= 0) return yield* Effect.fail(Option.some(timeout()))
        return yield* Effect.timeoutFail(pull, { duration: Duration.millis(left), onTimeout: () => Option.some(timeout()) })
      })
    return {
      activity: () => {
        active = true
      },
      bounded
    }
  })
