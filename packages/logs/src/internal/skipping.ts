import { type Frames, newline, PendingLine } from "./framing.js"
import { findSentinelBytes } from "./sentinel.js"

/**
 * Longer lines are passed over without being held, and cannot be sentinels: Docker splits lines at 16 KiB.
 *
 * @internal
 */
export const skippedLineLimit = 64 * 1024

/**
 * Frames for passing over the rest of an activation as fast as the bytes can be read: only lines that hold the
 * sentinel's bytes are decoded and emitted on their own; the lines between them go out as one frame with empty text
 * whose size counts all their bytes (its `size + 1` is exact, as for a line), so the consumed bytes stay exact and
 * stop right after a sentinel. A line longer than `maxLine` is counted without being held, and is no sentinel. An
 * incomplete last line is left for the next reader.
 *
 * @internal
 */
export class Skipper {
  private readonly decoder = new TextDecoder()
  private readonly pending = new PendingLine()
  private dropping = false

  constructor(readonly maxLine: number) {}

  push(bytes: Uint8Array, out: Frames): void {
    let start = 0
    if (this.pending.size > 0) {
      const end = bytes.indexOf(newline)
      if (end === -1) return this.hold(bytes)
      const size = this.pending.size + end
      const line = this.dropping || size > this.maxLine ? undefined : this.pending.takeWith(bytes.subarray(0, end))
      this.pending.clear()
      this.dropping = false
      out.texts.push(line !== undefined && findSentinelBytes(line, 0, line.length) !== -1 ? this.decoder.decode(line) : "")
      out.sizes.push(size)
      start = end + 1
    }
    const last = bytes.lastIndexOf(newline)
    if (last >= start) this.skipLines(bytes, start, last, out)
    return this.hold(bytes.subarray(Math.max(start, last + 1)))
  }

  // The lines in [start, last], `last` being a `\n`.
  private skipLines(bytes: Uint8Array, start: number, last: number, out: Frames) {
    let from = start
    while (from <= last) {
      const hit = findSentinelBytes(bytes, from, last + 1)
      const lineStart = hit === -1 ? last + 1 : Math.max(from, bytes.lastIndexOf(newline, hit) + 1)
      if (lineStart > from) {
        out.texts.push("")
        out.sizes.push(lineStart - 1 - from)
      }
      if (hit === -1) return
      const lineEnd = bytes.indexOf(newline, hit)
      const size = lineEnd - lineStart
      out.texts.push(size > this.maxLine ? "" : this.decoder.decode(bytes.subarray(lineStart, lineEnd)))
      out.sizes.push(size)
      from = lineEnd + 1
    }
  }

  private hold(rest: Uint8Array): void {
    if (rest.length === 0) return
    this.dropping ||= this.pending.size + rest.length > this.maxLine
    if (this.dropping) this.pending.forget()
    this.pending.add(rest, !this.dropping)
  }
}

