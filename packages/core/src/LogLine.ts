/**
 * A line of a container's json-file log (`{"log":…,"stream":…,"time":…}`), and how OpenWhisk formats it for the
 * activation record (B30).
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Effect, Either, Schema } from "effect"
import { activationLogSentinel } from "./Messages.js"

/**
 * @since 0.1.0
 * @category models
 */
export class LogLine extends Schema.Class<LogLine>("LogLine")({
  time: Schema.String,
  stream: Schema.String,
  log: Schema.String
}) {
  /** `<time padded to 30> <stream>: <log without its line end>` */
  get formatted(): string {
    return `${this.time.padEnd(30)} ${this.stream}: ${stripLineEnd(this.log)}`
  }
  /** JSON in the field order OpenWhisk writes: time, stream, log. */
  get json(): string {
    return JSON.stringify({ time: this.time, stream: this.stream, log: this.log })
  }
}

/**
 * Removes one trailing `\n`, `\r\n` or `\r`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const stripLineEnd = (text: string): string =>
  text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") || text.endsWith("\r") ? text.slice(0, -1) : text

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (time: string, stream: string, log: string): LogLine => new LogLine({ time, stream, log })

/**
 * A stderr notice stamped with the current time, as OpenWhisk injects into an activation's logs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const notice = (log: string): Effect.Effect<LogLine> =>
  Effect.map(Clock.currentTimeMillis, (now) => noticeAt(now, log))

/**
 * A stderr notice stamped with the given time (milliseconds since the epoch).
 *
 * @since 0.1.0
 * @category constructors
 */
export const noticeAt = (millis: number, log: string): LogLine =>
  make(DateTime.formatIso(DateTime.unsafeMake(millis)), "stderr", log)

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson(LogLine))

/**
 * Parses one json-file log line.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string): Either.Either<LogLine, string> =>
  Either.mapLeft(decodeJson(text), () => `not a JSON log line: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`)

/**
 * Formats a raw json-file log line. Better than the original: a line that is not a JSON log line is reported in
 * place as a stderr line instead of failing the whole collection.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatRaw = (text: string): string =>
  Either.match(parse(text), {
    onRight: (line) => line.formatted,
    onLeft: (problem) => make("", "stderr", `[effect-whisk] ${problem}`).formatted
  })

/**
 * One line an action writes; without a time, the time of the activation's lines is used.
 *
 * @since 0.1.0
 * @category testing
 */
export interface Written {
  readonly stream: "stdout" | "stderr"
  /** The text without its line end. */
  readonly text: string
  readonly time?: string
}

/**
 * The lines one activation leaves in a container's json-file log, as a managed runtime writes them: the action's
 * lines, then the sentinel on stdout and on stderr (B29). Give `sentinels: false` for what a blackbox action or a
 * failed /init leaves.
 *
 * @since 0.1.0
 * @category testing
 */
export const activationLines = (
  written: ReadonlyArray<Written>,
  options: { readonly time?: string; readonly sentinels?: boolean } = {}
): ReadonlyArray<LogLine> => {
  const time = options.time ?? "1970-01-01T00:00:00.000000000Z"
  const lines = written.map((line) => make(line.time ?? time, line.stream, `${line.text}\n`))
  if (options.sentinels === false) return lines
  const last = lines.at(-1)?.time ?? time
  return [...lines, make(last, "stdout", `${activationLogSentinel}\n`), make(last, "stderr", `${activationLogSentinel}\n`)]
}

/**
 * Lines as the bytes of a json-file log: each line's JSON followed by `\n`.
 *
 * @since 0.1.0
 * @category testing
 */
export const jsonFile = (lines: ReadonlyArray<LogLine>): string => lines.map((line) => `${line.json}\n`).join("")
