/**
 * OpenWhisk's development log store (`DockerCliLogStore`, B33) over the engine's log stream: an activation's logs are
 * not collected when it ends but asked of the engine when they are read. The engine is asked, without following, for
 * the container's lines from the activation's start to its end + 1 s; the stdout lines up to the first sentinel are
 * kept, each as `docker logs --timestamps` prints it (`<time> <text>`), without limit or formatting. The whole request
 * has a timeout (2 s, as the original's).
 *
 * Where we differ: the original asks `docker logs` with whole seconds (`--since <start epoch seconds>`), so the lines
 * an earlier activation wrote in the same second come too; here the interval is kept to the millisecond. A sentinel
 * line is one whose text ends with the sentinel (as everywhere in effect-whisk), not any line that mentions it.
 *
 * @since 0.1.0
 */
import { Errors, type Interval, LogLine, type LogSource, Messages } from "@effect-whisk/core"
import { Duration, Effect, Stream } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The longest the engine may take to give the lines (2 s). */
  readonly timeout?: Duration.DurationInput
  /** How long after the activation's end lines are still looked for (1 s). */
  readonly after?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults = { timeout: Duration.seconds(2), after: Duration.seconds(1) } as const

const millisToNanos = (millis: number): bigint => BigInt(Math.round(millis)) * 1_000_000n

/** `docker logs --timestamps` prints times with nine fraction digits. */
const fixedTime = (nanos: bigint): string => {
  const seconds = nanos / 1_000_000_000n
  const fraction = (nanos - seconds * 1_000_000_000n).toString().padStart(9, "0")
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`
}

const isSentinel = (record: LogSource.LogRecord): boolean =>
  LogLine.stripLineEnd(record.text).endsWith(Messages.activationLogSentinel)

/**
 * The activation's stdout lines from the engine's log stream of its container, between its start and its end + 1 s,
 * up to (not including) the first sentinel line, as `<time> <text without its line end>`. Fails with the engine's
 * error (`NotFound` for a container that is gone), or with a `Timeout` DockerEngineError when the engine took longer
 * than the timeout.
 *
 * @since 0.1.0
 * @category fetching
 */
export const fetch = (
  source: LogSource.EngineStream,
  activation: Interval.Interval,
  options: Options = {}
): Effect.Effect<ReadonlyArray<string>, Errors.DockerEngineError> => {
  const timeout = Duration.decode(options.timeout ?? defaults.timeout)
  const after = Duration.decode(options.after ?? defaults.after)
  const request = {
    since: millisToNanos(activation.start),
    until: millisToNanos(activation.end + Duration.toMillis(after)),
    follow: false
  }
  return source.records(request).pipe(
    Stream.filter((record) => record.stream === "stdout"),
    Stream.takeWhile((record) => !isSentinel(record)),
    Stream.map((record) => `${fixedTime(record.time)} ${LogLine.stripLineEnd(record.text)}`),
    Stream.runCollect,
    Effect.map((lines) => Array.from(lines)),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new Errors.DockerEngineError({
          operation: "logs",
          reason: "Timeout",
          description: `the activation's logs took longer than ${Duration.format(timeout)}`
        })
    }),
    Effect.withSpan("EngineLogStore.fetch", { attributes: { start: activation.start, end: activation.end } })
  )
}
