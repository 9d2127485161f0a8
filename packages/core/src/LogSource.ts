/**
 * Where a container's logs come from, as its engine says (`DockerEngine.logSource`). The engine only names the
 * source; `@effect-whisk/logs` reads activations' lines from it (tailing, polling, reconnecting, deadlines, the
 * cursor rule).
 *
 * Two kinds of source:
 * - the container's json-file log as bytes addressed by a byte offset: a file on this machine (`JsonFile`, the
 *   invoker's fastest way) or scripted bytes (`Scripted`, test engines);
 * - the engine's own log stream (`EngineStream`), for engines whose log file is out of reach (a remote engine, Podman,
 *   a log driver other than json-file): records of a time, a stream and a text, asked for from a time on. Its cursor
 *   is a `StreamCursor`: the time of the last record taken and how many records of that time were taken, since
 *   several lines can carry the same time.
 *
 * @since 0.1.0
 */
import { Stream } from "effect"
import type { DockerEngineError, LogFileError } from "./Errors.js"

/**
 * The container's json-file log, a file on this machine: read directly, which is the invoker's fastest way.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonFile {
  readonly _tag: "JsonFile"
  readonly path: string
}

/**
 * A json-file log given as bytes (test engines, scripted logs): `bytes(fromOffset)` streams what the log holds from
 * that offset and ends where it ends now; nothing is waited for after that end.
 *
 * @since 0.1.0
 * @category models
 */
export interface Scripted {
  readonly _tag: "Scripted"
  readonly bytes: (fromOffset: number) => Stream.Stream<Uint8Array, LogFileError>
}

/**
 * One line of a container's output as the engine's log stream gives it.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogRecord {
  /** When the engine received the line, in nanoseconds since the epoch. */
  readonly time: bigint
  readonly stream: "stdout" | "stderr"
  /** The text with its line end; without one when the engine's message had none (a partial or unterminated line). */
  readonly text: string
}

/**
 * What one request of the engine's log stream asks for.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamRequest {
  /** Records from this time on (nanoseconds since the epoch), inclusive; 0n: from the start of the log. */
  readonly since: bigint
  /** Records up to this time only, inclusive (nanoseconds since the epoch), as Docker's `until`; none: no end. */
  readonly until?: bigint
  /** Keep going as the container writes (until it stops); false: end at what the log holds now. */
  readonly follow: boolean
  /**
   * Only the last `tail` records of the log (then, following, what comes), as Docker's `tail`: the engine finds them
   * from the end of its log, where a `since` makes it read the whole log from the start.
   */
  readonly tail?: number
}

/**
 * The engine's log stream of a container: `records(request)` streams the records at or after `since`, in the engine's
 * order (by time; records of one time in the order they were written), from one request to the engine. The stream
 * may end at any moment, the engine closing it (the container stopped, a proxy timed out): the reader asks again
 * from where it was. A failure is a DockerEngineError: `NotFound` when the container is gone.
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineStream {
  readonly _tag: "EngineStream"
  readonly records: (request: StreamRequest) => Stream.Stream<LogRecord, DockerEngineError>
  /**
   * Whether a request with `tail` gives the same records as one without (Docker). Podman 4.3 joins a partial line
   * with another one under `tail`, so its records are asked for with `since` only.
   */
  readonly tail: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export type LogSource = JsonFile | Scripted | EngineStream

/**
 * Where the next collection from an engine's log stream starts: the engine is asked from `time` on (its `since`
 * includes that time), and gives first, in its order, the records already taken at or after that time (`seen`):
 * those are skipped. A byte offset cannot say this, since the stream is asked for by time, and lines written within
 * one clock tick share their time (Podman 4.3 gives whole seconds).
 *
 * `time` is not simply the last record's: the engine stamps stdout and stderr lines as it reads each pipe and writes
 * them in the order they are ready, so a line can follow one stamped after it on the other stream. `time` stays at
 * or before the last time of each stream (and within `reorderWindow` of the latest), so no later line is before it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamCursor {
  /** Nanoseconds since the epoch; 0n at the start of the log. */
  readonly time: bigint
  /** The times of the records already taken at or after `time`, ascending: how many lines were seen from `time` on. */
  readonly seen: ReadonlyArray<bigint>
  /** The time of the last record taken from each stream; undefined before the first. */
  readonly last: { readonly stdout: bigint | undefined; readonly stderr: bigint | undefined }
}

/**
 * The start of a log.
 *
 * @since 0.1.0
 * @category constructors
 */
export const streamStart: StreamCursor = { time: 0n, seen: [], last: { stdout: undefined, stderr: undefined } }

/**
 * How far a line may follow one stamped after it (in nanoseconds): a bound on the engine's reordering of stdout
 * and stderr lines. Docker stamps a line as its copier reads it and writes it right after, under the logger's lock,
 * so a line waits for at most another line's write: microseconds, milliseconds on a loaded machine; 100 ms is far
 * above what was seen. Used while one of the streams has no line yet, and to tell whether the last records of a
 * log reach back past a cursor.
 *
 * @since 0.1.0
 * @category cursors
 */
export const reorderWindow = 100_000_000n

/**
 * @since 0.1.0
 * @category constructors
 */
export const jsonFile = (path: string): LogSource => ({ _tag: "JsonFile", path })

/**
 * @since 0.1.0
 * @category constructors
 */
export const scripted = (bytes: (fromOffset: number) => Stream.Stream<Uint8Array, LogFileError>): LogSource => ({
  _tag: "Scripted",
  bytes
})

/**
 * A scripted log that holds these bytes (or text) and nothing more.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (content: Uint8Array | string): LogSource => {
  const data = typeof content === "string" ? new TextEncoder().encode(content) : content
  return scripted((fromOffset) => fromOffset < data.length ? Stream.succeed(data.subarray(fromOffset)) : Stream.empty)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const engineStream = (
  records: (request: StreamRequest) => Stream.Stream<LogRecord, DockerEngineError>,
  options: { readonly tail?: boolean } = {}
): LogSource => ({ _tag: "EngineStream", records, tail: options.tail ?? false })

/**
 * An engine log stream that holds these records (in this order) and nothing more: every request gets those at or
 * after its `since` (and up to its `until`) among its `tail` last ones, then ends, following or not.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRecords = (records: ReadonlyArray<LogRecord>): LogSource =>
  engineStream((request) =>
    Stream.fromIterable(
      (request.tail === undefined ? records : records.slice(Math.max(0, records.length - request.tail))).filter((record) =>
        record.time >= request.since && (request.until === undefined || record.time <= request.until)
      )
    )
  , { tail: true })

/**
 * A record at an RFC 3339 time (nanoseconds kept).
 *
 * @since 0.1.0
 * @category constructors
 */
export const record = (time: string, stream: "stdout" | "stderr", text: string): LogRecord => {
  const nanos = parseTime(time)
  if (nanos === undefined) throw new Error(`not an RFC 3339 time: ${time}`)
  return { time: nanos, stream, text }
}

const timePattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 time with up to nine fraction digits, as engines write them (`2026-12-03T09:04:25.229967810Z`), in
 * nanoseconds since the epoch; undefined when it is not one.
 *
 * @since 0.1.0
 * @category times
 */
export const parseTime = (text: string): bigint | undefined => {
  // Docker's form (`…:SS.nnnnnnnnnZ`) of a second seen just before: no regular expression, one BigInt.
  if (
    text.length === 30 && text.charCodeAt(19) === 0x2e && text.charCodeAt(29) === 0x5a &&
    lastParsed.whole.length === 20 && text.startsWith(lastParsed.second)
  ) {
    let fraction = 0
    for (let i = 20; i < 29; i++) {
      const digit = text.charCodeAt(i) - 0x30
      if (digit < 0 || digit > 9) {
        fraction = -1
        break
      }
      fraction = fraction * 10 + digit
    }
    if (fraction >= 0) return lastParsed.nanos + BigInt(fraction)
  }
  const match = timePattern.exec(text)
  if (match === null) return undefined
  const whole = `${match[1]}${match[3]}`
  // Lines come many to a second: the second is parsed once.
  if (whole !== lastParsed.whole) {
    const millis = Date.parse(whole)
    if (Number.isNaN(millis)) return undefined
    lastParsed = { whole, second: whole.slice(0, 19), nanos: BigInt(millis) * 1_000_000n }
  }
  const fraction = match[2]
  return fraction === undefined ? lastParsed.nanos : lastParsed.nanos + BigInt(fraction.padEnd(9, "0"))
}

let lastParsed: { readonly whole: string; readonly second: string; readonly nanos: bigint } = {
  whole: "",
  second: "",
  nanos: 0n
}

/**
 * A time as a json-file log writes it (Go's RFC 3339 with nanoseconds, in UTC): trailing zeros of the fraction left
 * out, and the fraction too when it is zero.
 *
 * @since 0.1.0
 * @category times
 */
export const formatTime = (nanos: bigint): string => {
  const seconds = nanos >= 0n ? nanos / 1_000_000_000n : (nanos - 999_999_999n) / 1_000_000_000n
  const fraction = nanos - seconds * 1_000_000_000n
  // Lines come many to a second: the second is formatted once.
  if (seconds !== lastFormatted.seconds) {
    lastFormatted = { seconds, text: new Date(Number(seconds) * 1000).toISOString().slice(0, 19) }
  }
  const digits = fraction.toString().padStart(9, "0").replace(/0+$/, "")
  return digits.length === 0 ? `${lastFormatted.text}Z` : `${lastFormatted.text}.${digits}Z`
}

let lastFormatted: { readonly seconds: bigint; readonly text: string } = { seconds: -1n, text: "" }

/**
 * A time as the Docker API's `since` and `until` take it: UNIX seconds, a dot and nine digits of nanoseconds.
 *
 * @since 0.1.0
 * @category times
 */
export const unixSeconds = (nanos: bigint): string => {
  const seconds = nanos / 1_000_000_000n
  return `${seconds}.${(nanos - seconds * 1_000_000_000n).toString().padStart(9, "0")}`
}

/**
 * An empty log.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: LogSource = scripted(() => Stream.empty)
