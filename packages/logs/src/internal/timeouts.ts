import { Data, Duration, Effect, Stream } from "effect"

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
 * Fails with LogIdleTimeout when a pull waits longer than `idle` (Akka's `idleTimeout`: the time between two
 * elements), and with LogCollectionTimeout when the stream has not completed after `total` (`completionTimeout`).
 *
 * @internal
 */
export const withTimeouts = (idle: Duration.DurationInput, total: Duration.DurationInput) =>
<A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | LogIdleTimeout | LogCollectionTimeout, R> =>
  self.pipe(
    Stream.timeoutFail(() => new LogIdleTimeout({ timeout: Duration.decode(idle) }), idle),
    Stream.interruptWhen(
      Effect.sleep(total).pipe(Effect.zipRight(Effect.fail(new LogCollectionTimeout({ timeout: Duration.decode(total) }))))
    )
  )
