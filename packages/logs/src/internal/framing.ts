import { Data } from "effect"

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

/** @internal */
export const newline = 0x0a

// Lines are decoded in blocks of about this many bytes: small enough that the decoded text is an ordinary young
// object (V8 puts strings over 128 KiB straight into the old generation), large enough that a call decodes many lines.
const decodeBlock = 32 * 1024

/**
 * The bytes of at most one incomplete line, copied so that read buffers are not kept alive.
 *
 * @internal
 */
export class PendingLine {
  private parts: Array<Uint8Array> = []
  size = 0

  add(bytes: Uint8Array, keep: boolean): void {
    if (keep) this.parts.push(bytes.slice())
    this.size += bytes.length
  }

  /** The held bytes followed by `tail`; the line is then empty again. */
  takeWith(tail: Uint8Array): Uint8Array {
    const line = new Uint8Array(this.size + tail.length)
    let at = 0
    for (const part of this.parts) {
      line.set(part, at)
      at += part.length
    }
    line.set(tail, at)
    this.clear()
    return line
  }

  /** Keeps counting the line's bytes without holding them. */
  forget(): void {
    this.parts = []
  }

  clear(): void {
    this.parts = []
    this.size = 0
  }
}

/**
 * Splits bytes at `\n` and decodes the lines, holding at most one incomplete line of at most `maxFrameLength` bytes.
 * Complete lines are decoded a block at a time: UTF-8 never uses the byte 0x0a inside a multi-byte sequence, so the
 * decoded text has exactly one `\n` per line end.
 *
 * @internal
 */
export class Framer {
  private readonly decoder = new TextDecoder()
  private readonly pending = new PendingLine()

  constructor(readonly maxFrameLength: number) {}

  /** Appends the frames completed by `bytes` to `out`; gives a FrameTooLong as soon as a line is too long. */
  push(bytes: Uint8Array, out: Frames): FramingError | undefined {
    let start = 0
    if (this.pending.size > 0) {
      const end = bytes.indexOf(newline)
      if (end === -1) return this.hold(bytes.subarray(0))
      const size = this.pending.size + end
      if (size > this.maxFrameLength) return this.tooLong()
      out.texts.push(this.decoder.decode(this.pending.takeWith(bytes.subarray(0, end))))
      out.sizes.push(size)
      start = end + 1
    }
    const last = bytes.lastIndexOf(newline)
    for (let from = start; from <= last;) {
      const blockEnd = from + decodeBlock > last ? last : bytes.indexOf(newline, from + decodeBlock)
      const error = this.completeBlock(bytes, from, blockEnd, out)
      if (error !== undefined) return error
      from = blockEnd + 1
    }
    return this.hold(bytes.subarray(Math.max(start, last + 1)))
  }

  /** The bytes ended: a held incomplete line is a TruncatedFrame. */
  end(): FramingError | undefined {
    return this.pending.size > 0
      ? new FramingError({ reason: "TruncatedFrame", maxFrameLength: this.maxFrameLength })
      : undefined
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
      if (size > this.maxFrameLength) return this.tooLong()
      lineStart += size + 1
      out.texts.push(line)
      out.sizes.push(size)
    }
    return undefined
  }

  private hold(rest: Uint8Array): FramingError | undefined {
    if (rest.length === 0) return undefined
    if (this.pending.size + rest.length > this.maxFrameLength) return this.tooLong()
    this.pending.add(rest, true)
    return undefined
  }

  private tooLong(): FramingError {
    return new FramingError({ reason: "FrameTooLong", maxFrameLength: this.maxFrameLength })
  }
}
