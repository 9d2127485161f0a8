import { Channel, Chunk, Data, Stream } from "effect"

/**
 * One line of the log file: its text (decoded as UTF-8) and its length in bytes, both without the `\n`.
 *
 * @internal
 */
export interface Frame {
  readonly text: string
  readonly size: number
}

/**
 * A line longer than the maximum frame length, or a last line without its `\n` when the bytes ended.
 *
 * @internal
 */
export class FramingError extends Data.TaggedError("FramingError")<{
  readonly reason: "FrameTooLong" | "TruncatedFrame"
  readonly maxFrameLength: number
}> {
  override get message(): string {
    return this.reason === "FrameTooLong"
      ? `A log line is longer than ${this.maxFrameLength} bytes`
      : "The log ended in the middle of a line"
  }
}

/**
 * What to do with a line longer than the maximum: fail (collecting), or count its bytes and emit it with empty text
 * without ever holding more than the maximum (skipping the rest of an activation).
 *
 * @internal
 */
export type Overlong = "fail" | "drop"

const newline = 0x0a

/**
 * Splits bytes at `\n`. Holds at most one incomplete line (copied, so read buffers are not kept alive) of at most
 * `maxFrameLength` bytes. Complete lines of a chunk are decoded in one call: UTF-8 never uses the byte 0x0a inside
 * a multi-byte sequence, so the decoded text has exactly one `\n` per line end.
 *
 * @internal
 */
export class Framer {
  private readonly decoder = new TextDecoder()
  private parts: Array<Uint8Array> = []
  private pending = 0
  private dropping = false

  constructor(readonly maxFrameLength: number, readonly overlong: Overlong) {}

  /** Appends the frames completed by `bytes` to `out`; gives a FramingError when a line is too long. */
  push(bytes: Uint8Array, out: Array<Frame>): FramingError | undefined {
    let start = 0
    if (this.pending > 0 || this.dropping) {
      const end = bytes.indexOf(newline)
      if (end === -1) return this.hold(bytes, 0)
      const size = this.pending + end
      if (this.dropping || size > this.maxFrameLength) {
        if (this.overlong === "fail") return this.tooLong()
        out.push({ text: "", size })
      } else {
        out.push({ text: this.decoder.decode(this.joinWith(bytes.subarray(0, end))), size })
      }
      this.parts = []
      this.pending = 0
      this.dropping = false
      start = end + 1
    }
    const last = bytes.lastIndexOf(newline)
    if (last >= start) {
      const error = this.completeLines(bytes, start, last, out)
      if (error !== undefined) return error
    }
    return this.hold(bytes, Math.max(start, last + 1))
  }

  /** The bytes ended: a held incomplete line is a TruncatedFrame when collecting, and left unread when skipping. */
  end(): FramingError | undefined {
    return (this.pending > 0 || this.dropping) && this.overlong === "fail"
      ? new FramingError({ reason: "TruncatedFrame", maxFrameLength: this.maxFrameLength })
      : undefined
  }

  // The lines ending at the newlines in [start, last].
  private completeLines(bytes: Uint8Array, start: number, last: number, out: Array<Frame>): FramingError | undefined {
    const sizes: Array<number> = []
    let regionStart = start
    let lineStart = start
    while (lineStart <= last) {
      const end = bytes.indexOf(newline, lineStart)
      const size = end - lineStart
      if (size > this.maxFrameLength) {
        this.decodeRegion(bytes, regionStart, lineStart, sizes, out)
        if (this.overlong === "fail") return this.tooLong()
        out.push({ text: "", size })
        sizes.length = 0
        regionStart = end + 1
      } else {
        sizes.push(size)
      }
      lineStart = end + 1
    }
    this.decodeRegion(bytes, regionStart, last + 1, sizes, out)
    return undefined
  }

  // `bytes[from, to)` is whole lines, each ending in `\n`, whose sizes are `sizes`.
  private decodeRegion(bytes: Uint8Array, from: number, to: number, sizes: ReadonlyArray<number>, out: Array<Frame>) {
    if (sizes.length === 0) return
    const texts = this.decoder.decode(bytes.subarray(from, to - 1)).split("\n")
    for (let i = 0; i < sizes.length; i++) out.push({ text: texts[i]!, size: sizes[i]! })
  }

  private hold(bytes: Uint8Array, from: number): FramingError | undefined {
    const rest = bytes.length - from
    if (rest === 0) return undefined
    const size = this.pending + rest
    if (this.dropping || size > this.maxFrameLength) {
      if (this.overlong === "fail") return this.tooLong()
      this.parts = []
      this.dropping = true
    } else {
      this.parts.push(bytes.slice(from))
    }
    this.pending = size
    return undefined
  }

  private joinWith(tail: Uint8Array): Uint8Array {
    const frame = new Uint8Array(this.pending + tail.length)
    let at = 0
    for (const part of this.parts) {
      frame.set(part, at)
      at += part.length
    }
    frame.set(tail, at)
    return frame
  }

  private tooLong(): FramingError {
    return new FramingError({ reason: "FrameTooLong", maxFrameLength: this.maxFrameLength })
  }
}

/**
 * Frames a byte stream at `\n` with a maximum frame length (Akka's `Framing.delimiter` without truncation): the
 * frames before a failure are emitted first; a stream that ends inside a line fails with a TruncatedFrame.
 *
 * @internal
 */
export const frameLines = (maxFrameLength: number, overlong: Overlong = "fail") =>
<E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Frame, E | FramingError, R> =>
  Stream.pipeThroughChannelOrFail(
    self,
    Channel.suspend(() => {
      const framer = new Framer(maxFrameLength, overlong)
      const loop: Channel.Channel<Chunk.Chunk<Frame>, Chunk.Chunk<Uint8Array>, E | FramingError, E, unknown, unknown> =
        Channel.readWithCause({
          onInput: (input: Chunk.Chunk<Uint8Array>) => {
            const out: Array<Frame> = []
            for (const bytes of input) {
              const error = framer.push(bytes, out)
              if (error !== undefined) return Channel.zipRight(writeAll(out), Channel.fail(error))
            }
            return Channel.zipRight(writeAll(out), loop)
          },
          onFailure: Channel.failCause,
          onDone: () => {
            const error = framer.end()
            return error === undefined ? Channel.void : Channel.fail(error)
          }
        })
      return loop
    })
  )

const writeAll = <A>(out: Array<A>): Channel.Channel<Chunk.Chunk<A>> =>
  out.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(out))
