import { ByteSize, ContainerResponse } from "@effect-whisk/core"
import { Either, Option } from "effect"
import type { Readable } from "node:stream"

/** @internal */
export interface BodyLimits {
  /** An answer longer than this is truncated. */
  readonly maxResponse: number
  /** How many bytes of a truncated answer are kept. */
  readonly truncation: number
}

/** @internal */
export interface BoundedBody {
  readonly entity: string
  readonly truncated: Option.Option<ContainerResponse.Truncation>
}

const decoder = new TextDecoder("utf-8")

/** How many bytes the UTF-8 sequence starting with this lead byte has; 0 when it is no lead byte. */
const sequenceLength = (lead: number): number =>
  lead < 0x80 ? 1 : lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0

/**
 * The longest prefix of `bytes` (at most `max` bytes) that does not end inside a UTF-8 sequence: a character the cut
 * would split is dropped whole. The original cut at the byte, so its last character could become U+FFFD.
 *
 * @internal
 */
export const utf8Prefix = (bytes: Uint8Array, max: number): Uint8Array => {
  const end = Math.min(max, bytes.length)
  let lead = end - 1
  while (lead > 0 && lead > end - 4 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--
  const length = lead < 0 ? 0 : sequenceLength(bytes[lead] ?? 0)
  return bytes.subarray(0, length > 0 && lead + length > end ? lead : end)
}

/** Copies at most `room` bytes of `chunk`, so a kept slice never pins the socket's larger read buffer. */
const copyOf = (chunk: Uint8Array, room: number): Uint8Array => new Uint8Array(chunk.subarray(0, Math.min(room, chunk.length)))

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

/**
 * The body of one answer as it arrives, chunk by chunk, whatever the transport:
 *
 * - a declared length above `maxResponse`: only the first `truncation` bytes are kept, then `wantsMore` turns false
 *   (the caller stops reading, which destroys the response) and the answer is marked truncated with the declared
 *   length;
 * - otherwise (a declared length within the limit, or none, as with chunked answers): at most
 *   max(maxResponse, truncation) bytes are kept and the rest is counted and dropped, so an answer without a
 *   Content-Length that turns out too long is truncated with its real length instead of being refused.
 *
 * `held` counts the bytes it keeps: that it never exceeds the limit is how a test proves bounded memory, since the
 * heap of a shared process varies with everything else the process does.
 *
 * @internal
 */
export class BoundedBodyBuffer {
  private readonly chunks: Array<Uint8Array> = []
  private readonly knownTooLong: boolean
  private readonly keep: number
  /** Bytes kept so far. */
  held = 0
  /** Bytes received so far, kept or not. */
  received = 0

  constructor(private readonly declaredLength: Option.Option<number>, private readonly limits: BodyLimits) {
    this.knownTooLong = Option.isSome(declaredLength) && declaredLength.value > limits.maxResponse
    this.keep = this.knownTooLong ? limits.truncation : Math.max(limits.maxResponse, limits.truncation)
  }

  /** False once a known-too-long answer has its truncation: reading on would only be dropped. */
  get wantsMore(): boolean {
    return !this.knownTooLong || this.held < this.limits.truncation
  }

  push(chunk: Uint8Array): void {
    const room = this.keep - this.held
    if (room > 0) {
      // A first chunk that fits is kept as it came, so that an answer of one chunk (most answers) is decoded from it
      // without a copy; the later ones are copied, so at most one source buffer is ever kept.
      const kept = this.chunks.length === 0 && chunk.length <= room ? chunk : copyOf(chunk, room)
      this.chunks.push(kept)
      this.held += kept.length
    }
    this.received += chunk.length
  }

  finish(): BoundedBody {
    const { maxResponse, truncation } = this.limits
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.held)
    const length = this.knownTooLong ? Option.getOrElse(this.declaredLength, () => this.received) : this.received
    if (length <= maxResponse) return { entity: decoder.decode(bytes), truncated: Option.none() }
    return {
      entity: decoder.decode(utf8Prefix(bytes, truncation)),
      truncated: Option.some({ length: ByteSize.bytes(length), max: ByteSize.bytes(maxResponse) })
    }
  }
}

/**
 * Reads an answer's body (a node:http response, or any byte stream) through a BoundedBodyBuffer, so it never holds
 * more than the limit. Once a known-too-long answer has its truncation, the source is destroyed (for a response,
 * that closes its socket) and the truncated body is given at once. `onDone` is called once: with the body, or with
 * the failure of a source that errs or closes before its end.
 *
 * @internal
 */
export const readBounded = (
  source: Readable,
  declaredLength: Option.Option<number>,
  limits: BodyLimits,
  onDone: (body: Either.Either<BoundedBody, unknown>) => void
): void => {
  const buffer = new BoundedBodyBuffer(declaredLength, limits)
  let done = false
  const finish = (body: Either.Either<BoundedBody, unknown>) => {
    if (done) return
    done = true
    onDone(body)
  }
  source.on("data", (chunk: Uint8Array) => {
    if (done) return
    buffer.push(chunk)
    if (buffer.wantsMore) return
    // Paused first: a destroyed stream still emits the chunks it had buffered.
    source.pause()
    source.destroy()
    finish(Either.right(buffer.finish()))
  })
  source.on("end", () => finish(Either.right(buffer.finish())))
  source.on("error", (cause) => finish(Either.left(cause)))
  source.on("close", () => finish(Either.left(new Error("The connection closed before the end of the answer"))))
}
