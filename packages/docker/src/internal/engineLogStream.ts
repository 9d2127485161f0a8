import { type ContainerId, Errors, LogSource } from "@effect-whisk/core"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type Docker from "dockerode"
import { Chunk, type Duration, Effect, Stream } from "effect"
import { Buffer } from "node:buffer"
import type { Readable } from "node:stream"
import { checkedId, engineCall } from "./engineCall.js"

const headerSize = 8
const newline = 0x0a

/**
 * Where the text starts after `<RFC 3339 time> ` at `from` (the engine writes it with timestamps: Docker with nine
 * fraction digits, Podman 4.3 in whole seconds), or -1 when no time starts there. Looked at byte by byte: this runs
 * for every line.
 */
const afterTime = (bytes: Uint8Array, from: number, to: number): number => {
  if (
    to - from < 21 || bytes[from + 4] !== 0x2d || bytes[from + 7] !== 0x2d || bytes[from + 10] !== 0x54 ||
    bytes[from + 13] !== 0x3a || bytes[from + 16] !== 0x3a
  ) return -1
  const limit = Math.min(to, from + 37)
  for (let i = from + 19; i < limit; i++) {
    if (bytes[i] === 0x20) return i + 1
  }
  return -1
}

type Kind = "stdout" | "stderr"

/**
 * The engine's multiplexed log stream (for a container without a TTY) made into records: 8-byte headers (the stream:
 * 1 stdout, 2 stderr; three zero bytes; the payload's size, big-endian), then the payload, `<time> <text>` with the
 * text's line end. The bytes come in any cut: a header or a payload may be split across reads, a read may hold many
 * frames. A frame is taken once it is whole.
 *
 * Docker writes each message as one frame; a message without a line end (a line over 16 KiB the engine split, output
 * that ended without one) is a record without one, as in the json-file log. A frame that does not start with a time
 * continues the last line of its stream; a frame that starts with one begins a new message, so what was held
 * without a line end is a record of its own first. A frame of stdin (0) is not log output and is dropped.
 *
 * @internal
 */
export class LogFrames {
  private held: Buffer = Buffer.alloc(0)
  private readonly pending: Record<Kind, { parts: Array<Buffer>; time: bigint | undefined }> = {
    stdout: { parts: [], time: undefined },
    stderr: { parts: [], time: undefined }
  }
  private lastTime = 0n

  /** Appends the records the bytes complete to `out`; fails (gives an error text) when a header is not one. */
  push(bytes: Uint8Array, out: Array<LogSource.LogRecord>): string | undefined {
    const data = this.held.length === 0
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
      : Buffer.concat([this.held, bytes])
    let at = 0
    while (data.length - at >= headerSize) {
      const kind = data[at]!
      if (kind > 2 || data[at + 1] !== 0 || data[at + 2] !== 0 || data[at + 3] !== 0) {
        return `not a multiplexed log stream (a frame header starts with ${Array.from(data.subarray(at, at + 4)).join(",")})`
      }
      const size = data.readUInt32BE(at + 4)
      if (data.length - at - headerSize < size) break
      const payload = data.subarray(at + headerSize, at + headerSize + size)
      at += headerSize + size
      if (kind !== 0) this.frame(kind === 1 ? "stdout" : "stderr", payload, out)
    }
    // The rest is copied: the read buffer is not kept alive.
    this.held = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at))
    return undefined
  }

  /** The bytes ended: a message held without a line end is a record; a cut frame is dropped. */
  end(out: Array<LogSource.LogRecord>): void {
    this.flushAll(out)
  }

  private frame(kind: Kind, payload: Buffer, out: Array<LogSource.LogRecord>): void {
    if (payload.length === 0) return
    const pending = this.pending[kind]
    let from = 0
    const text = afterTime(payload, 0, payload.length)
    if (text !== -1) {
      this.flushAll(out)
      pending.time = this.timeOf(payload, 0, text - 1)
      from = text
    }
    let end = payload.indexOf(newline, from)
    while (end !== -1) {
      pending.parts.push(payload.subarray(from, end + 1))
      this.emit(kind, out)
      from = end + 1
      // A frame with several lines: each further line has its own time when it starts with one.
      const next = afterTime(payload, from, payload.length)
      if (next !== -1) {
        pending.time = this.timeOf(payload, from, next - 1)
        from = next
      }
      end = payload.indexOf(newline, from)
    }
    if (from < payload.length) pending.parts.push(Buffer.from(payload.subarray(from)))
  }

  private timeOf(bytes: Buffer, from: number, to: number): bigint {
    return LogSource.parseTime(bytes.toString("latin1", from, to)) ?? this.lastTime
  }

  private emit(kind: Kind, out: Array<LogSource.LogRecord>): void {
    const pending = this.pending[kind]
    if (pending.parts.length === 0) return
    const bytes = pending.parts.length === 1 ? pending.parts[0]! : Buffer.concat(pending.parts)
    const time = pending.time ?? this.lastTime
    this.lastTime = time
    out.push({ time, stream: kind, text: bytes.toString("utf8") })
    pending.parts = []
  }

  // Held lines without a line end, older first.
  private flushAll(out: Array<LogSource.LogRecord>): void {
    const { stderr, stdout } = this.pending
    const stderrFirst = stderr.parts.length > 0 && stdout.parts.length > 0 && (stderr.time ?? 0n) < (stdout.time ?? 0n)
    if (stderrFirst) this.emit("stderr", out)
    this.emit("stdout", out)
    this.emit("stderr", out)
  }
}

// A container being removed answers 409 ("dead or marked for removal"): for its logs it is gone, as after the removal.
const goneWhenRemoving = (error: Errors.DockerEngineError): Errors.DockerEngineError =>
  error.reason === "Conflict"
    ? new Errors.DockerEngineError({
      operation: error.operation,
      reason: "NotFound",
      ...(error.target === undefined ? {} : { target: error.target }),
      ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
      ...(error.description === undefined ? {} : { description: error.description }),
      cause: error
    })
    : error

/** The records of bytes already whole (a request that does not follow gets them as one buffer). */
const recordsOf = (
  body: Uint8Array,
  invalid: (description: string) => Errors.DockerEngineError
): Stream.Stream<LogSource.LogRecord, Errors.DockerEngineError> =>
  Stream.suspend(() => {
    const frames = new LogFrames()
    const out: Array<LogSource.LogRecord> = []
    const problem = frames.push(body, out)
    if (problem !== undefined) return Stream.fail(invalid(problem))
    frames.end(out)
    return Stream.fromChunk(Chunk.unsafeFromArray(out))
  })

/**
 * The engine's log stream of one container (`GET /containers/{id}/logs` with stdout, stderr, timestamps, `since` and
 * `until` in UNIX seconds with nine fraction digits, and `follow`), demultiplexed here.
 *
 * The request is one engine call: it has `timeout` to answer and is aborted when interrupted. A followed answer is
 * read as it comes, for as long as the reader wants (its collection's deadlines bound it), and its socket is
 * destroyed when the stream ends, however it ends. When the answer breaks off after it began (the engine or a proxy
 * closed the connection), the stream ends where it broke: the reader asks again from its cursor, and that request
 * fails if the engine or the container is gone.
 *
 * @internal
 */
export const engineLogStream = (docker: Docker, timeout: Duration.Duration, tail: boolean) =>
(id: ContainerId.ContainerId): LogSource.EngineStream => ({
  _tag: "EngineStream",
  tail,
  records: (request) =>
    Stream.unwrapScoped(Effect.gen(function*() {
      const checked = yield* checkedId("logs", id)
      const invalid = (description: string) =>
        new Errors.DockerEngineError({ operation: "logs", target: checked, reason: "InvalidResponse", description })
      const query = {
        follow: request.follow,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(request.since > 0n ? { since: LogSource.unixSeconds(request.since) } : {}),
        ...(request.until === undefined ? {} : { until: LogSource.unixSeconds(request.until) }),
        ...(request.tail === undefined ? {} : { tail: String(request.tail) })
      }
      const body = yield* Effect.acquireRelease(
        // acquireRelease makes the acquire uninterruptible; the request must still be cancellable.
        Effect.interruptible(engineCall("logs", checked, timeout, (signal) =>
          // The query takes the times as text: a number would lose the nanoseconds.
          (docker.getContainer(checked).logs as unknown as (options: object) => Promise<Readable | Buffer>)({
            ...query,
            abortSignal: signal
          })).pipe(Effect.mapError(goneWhenRemoving))),
        (answer) => Effect.sync(() => Buffer.isBuffer(answer) ? undefined : answer.destroy())
      )
      if (Buffer.isBuffer(body)) return recordsOf(body, invalid)
      const frames = new LogFrames()
      const records = NodeStream.fromReadable<Errors.DockerEngineError>(() => body, () => invalid("broken")).pipe(
        Stream.catchAll(() => Stream.empty),
        Stream.mapChunksEffect((chunks) => {
          const out: Array<LogSource.LogRecord> = []
          for (const chunk of chunks) {
            const problem = frames.push(chunk, out)
            if (problem !== undefined) return Effect.fail(invalid(problem))
          }
          return Effect.succeed(Chunk.unsafeFromArray(out))
        })
      )
      return Stream.concat(
        records,
        Stream.suspend(() => {
          const out: Array<LogSource.LogRecord> = []
          frames.end(out)
          return Stream.fromChunk(Chunk.unsafeFromArray(out))
        })
      )
    }))
})
