/**
 * An activation's logs as its record keeps them (OpenWhisk's `DockerToActivationLogStore`, B30): the container's raw
 * json lines formatted, a warning added after a developer error, and a collection that ended with a notice reported
 * as LogCollectingError with the partial logs.
 *
 * @since 0.1.0
 */
import { type ByteSize, Errors, LogLine, Messages } from "@effect-whisk/core"
import { Effect, Either } from "effect"
import { formatLine } from "./internal/formatLine.js"

/**
 * A container's activation log lines, all at once (`DockerContainer.logLines`).
 *
 * @since 0.1.0
 * @category models
 */
export type ContainerLogLines<E, R> = (options: {
  readonly limit: ByteSize.ByteSize
  readonly waitForSentinel: boolean
}) => Effect.Effect<ReadonlyArray<string>, E, R>

/**
 * @since 0.1.0
 * @category models
 */
export interface CollectOptions {
  /** The action's log limit (10 MB by default). */
  readonly limit: ByteSize.ByteSize
  /** The activation ended with a developer error (statusCode 2): read what is there and add a warning. */
  readonly isDeveloperError: boolean
  /** The action's runtime writes sentinels: managed runtimes, and blackbox images only when native. */
  readonly sentinelledLogs: boolean
  /**
   * Also given the activation's raw json lines, the developer-error warning's included, before the result is decided
   * (the file log store, B32: `FileLogStore.sink`). Not called at a log limit of 0.
   */
  readonly sink?: (lines: ReadonlyArray<string>) => Effect.Effect<void>
}

/**
 * The activation's formatted log lines: `<time padded to 30> <stream>: <log without its line end>`. A line that is
 * not a json log line is reported in place instead of failing the whole collection. Fails with LogCollectingError,
 * carrying every formatted line, when the collection ended with a notice.
 *
 * @since 0.1.0
 * @category collecting
 */
export const collect = <E, R>(
  logLines: ContainerLogLines<E, R>,
  options: CollectOptions
): Effect.Effect<ReadonlyArray<string>, E | Errors.LogCollectingError, R> =>
  // Not an Effect.fn: ending its span costs 0.13–0.15 ms here, on the critical path of every tailed activation,
  // whose logs are due within 1 ms of its sentinels. A caller that wants a span puts one around it. Not a generator
  // either: a warm activation (no warning, no sink) then takes one step after the collection, where a generator took
  // five of the runtime's and its own object (figure 10a).
  Effect.flatMap(
    logLines({ limit: options.limit, waitForSentinel: options.sentinelledLogs && !options.isDeveloperError }),
    (raw): Effect.Effect<ReadonlyArray<string>, Errors.LogCollectingError> => {
      // A limit of 0 collects nothing, not even the warning (T108, B31); the collection above only moved the cursor.
      if (options.limit.bytes === 0) return Effect.succeed([])
      const formatted = raw.map(formatLine)
      const decided = () => {
        const last = raw.at(-1)
        return last !== undefined && isNotice(last, options.limit)
          ? Effect.fail(new Errors.LogCollectingError({ partialLogs: formatted }))
          : Effect.succeed(formatted)
      }
      if (!options.isDeveloperError && options.sink === undefined) return decided()
      return Effect.flatMap(
        options.isDeveloperError ? LogLine.notice(Messages.logWarningDeveloperError) : Effect.succeed(undefined),
        (warning) => {
          if (warning !== undefined) formatted.push(warning.formatted)
          return options.sink === undefined
            ? decided()
            : Effect.flatMap(options.sink(warning === undefined ? raw : [...raw, warning.json]), decided)
        }
      )
    }
  )

/**
 * Whether a raw line is a notice the log pipeline added: LogLine JSON (`time` first, where Docker writes `log`
 * first) on stderr whose log is exactly the failure or the truncation text, without a line end. OpenWhisk looked for
 * the texts anywhere in the last formatted line, so a user printing them failed the collection.
 *
 * @since 0.1.0
 * @category collecting
 */
export const isNotice = (raw: string, limit: ByteSize.ByteSize): boolean =>
  raw.startsWith(`{"time":`) &&
  Either.match(LogLine.parse(raw), {
    onLeft: () => false,
    onRight: (line) =>
      line.stream === "stderr" && (line.log === Messages.logFailure || line.log === Messages.truncateLogs(limit))
  })
