import { Messages } from "@effect-whisk/core"
import { Channel, Chunk, Data, Stream } from "effect"

/**
 * The lines one chunk of bytes completed: the text of each (decoded as UTF-8) and its length in bytes, both without
 * the `\n`. Two arrays rather than an object per line: framing runs at hundreds of MB/s, and an object per line
 * is most of the garbage it makes.
 *
 * @internal
 */
export interface Frames {
  readonly texts: Array<string>
  readonly sizes: Array<number>
}

/** @internal */
export const emptyFrames = (): Frames => ({ texts: [], sizes: [] })

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
 * Collect: every line is decoded; a line longer than the maximum fails. Skip (passing over the rest of an
 * activation): only lines that may be sentinels are decoded, the others have empty text; a line longer than the
 * maximum is counted and dropped without ever holding more than the maximum.
 *
 * @internal
 */
export type FramerMode = "collect" | "skip"

const newline = 0x0a
const sentinel = new TextEncoder().encode(Messages.activationLogSentinel)

// Where the sentinel's bytes start in bytes[from, to), or -1.
const findSentinel = (bytes: Uint8Array, from: number, to: number): number => {
  for (let at = bytes.indexOf(sentinel[0]!, from); at !== -1 && at + sentinel.length <= to; at = bytes.indexOf(sentinel[0]!, at + 1)) {
    let i = 1
    while (i < sentinel.length && bytes[at + i] === sentinel[i]) i++
    if (i === sentinel.length) return at
  }
  return -1
}

// Lines are decoded in blocks of about this many bytes: small enough that the decoded text is an ordinary young
// object (V8 puts strings over 128 KiB straight into the old generation), large enough that a call decodes many lines.
const decodeBlock = 32 * 1024

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

  constructor(readonly maxFrameLength: number, readonly mode: FramerMode) {}

  /** Appends the frames completed by `bytes` to `out`; gives a FramingError when a line is too long. */
  push(bytes: Uint8Array, out: Frames): FramingError | undefined {
    let start = 0
    if (this.pending > 0 || this.dropping) {
      const end = bytes.indexOf(newline)
      if (end === -1) return this.hold(bytes, 0)
      const size = this.pending + end
      if (this.dropping || size > this.maxFrameLength) {
        if (this.mode === "collect") return this.tooLong()
        out.texts.push("")
      } else {
        const line = this.joinWith(bytes.subarray(0, end))
        out.texts.push(this.mode === "skip" && findSentinel(line, 0, line.length) === -1 ? "" : this.decoder.decode(line))
      }
      out.sizes.push(size)
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
    return (this.pending > 0 || this.dropping) && this.mode === "collect"
      ? new FramingError({ reason: "TruncatedFrame", maxFrameLength: this.maxFrameLength })
      : undefined
  }

  // The lines ending at the newlines in [start, last], decoded a block at a time.
  private completeLines(bytes: Uint8Array, start: number, last: number, out: Frames): FramingError | undefined {
    let from = start
    while (from <= last) {
      const blockEnd = from + decodeBlock > last ? last : bytes.indexOf(newline, from + decodeBlock)
      const error = this.mode === "collect" ? this.completeBlock(bytes, from, blockEnd, out) : this.skipBlock(bytes, from, blockEnd, out)
      if (error !== undefined) return error
      from = blockEnd + 1
    }
    return undefined
  }

  // `bytes[from, to]` is whole lines, `to` being the last one's `\n`.
  private completeBlock(bytes: Uint8Array, from: number, to: number, out: Frames): FramingError | undefined {
    const text = this.decoder.decode(bytes.subarray(from, to))
    const lines = text.split("\n")
    // A character takes at least as many bytes as UTF-16 units, so equal totals mean equal lengths on every line
    // (the common case: log lines are mostly ASCII); otherwise the bytes are measured.
    const ascii = text.length === to - from
    let lineStart = from
    for (const line of lines) {
      const size = ascii ? line.length : bytes.indexOf(newline, lineStart) - lineStart
      lineStart += size + 1
      if (size > this.maxFrameLength) return this.tooLong()
      out.texts.push(line)
      out.sizes.push(size)
    }
    return undefined
  }

  // Like completeBlock, but only lines holding the sentinel's bytes are decoded.
  private skipBlock(bytes: Uint8Array, from: number, to: number, out: Frames): undefined {
    let hit = findSentinel(bytes, from, to)
    let lineStart = from
    while (lineStart <= to) {
      const end = bytes.indexOf(newline, lineStart)
      const size = end - lineStart
      out.texts.push(hit !== -1 && hit < end && size <= this.maxFrameLength ? this.decoder.decode(bytes.subarray(lineStart, end)) : "")
      out.sizes.push(size)
      while (hit !== -1 && hit < end) hit = findSentinel(bytes, hit + 1, to)
      lineStart = end + 1
    }
    return undefined
  }

  private hold(bytes: Uint8Array, from: number): FramingError | undefined {
    const rest = bytes.length - from
    if (rest === 0) return undefined
    const size = this.pending + rest
    if (this.dropping || size > this.maxFrameLength) {
      if (this.mode === "collect") return this.tooLong()
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
 * frames before a failure are emitted first; a stream that ends inside a line fails with a TruncatedFrame. Emits one
 * Frames per chunk of bytes that completed a line.
 *
 * @internal
 */
export const frameLines = (maxFrameLength: number, mode: FramerMode = "collect") =>
<E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Frames, E | FramingError, R> =>
  Stream.pipeThroughChannelOrFail(
    self,
    Channel.suspend(() => {
      const framer = new Framer(maxFrameLength, mode)
      const loop: Channel.Channel<Chunk.Chunk<Frames>, Chunk.Chunk<Uint8Array>, E | FramingError, E, unknown, unknown> =
        Channel.readWithCause({
          onInput: (input: Chunk.Chunk<Uint8Array>) => {
            const out = emptyFrames()
            for (const bytes of input) {
              const error = framer.push(bytes, out)
              if (error !== undefined) return Channel.zipRight(write(out), Channel.fail(error))
            }
            return Channel.zipRight(write(out), loop)
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

const write = (out: Frames): Channel.Channel<Chunk.Chunk<Frames>> =>
  out.sizes.length === 0 ? Channel.void : Channel.write(Chunk.of(out))
