import { ByteSize, ContainerResponse } from "@effect-whisk/core"
import { Effect, Option, Stream } from "effect"

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

/**
 * A body whose declared length is within the limit and at most this is read whole in one step: a Stream costs far
 * more than a small answer (most are a few bytes of JSON).
 *
 * @internal
 */
export const wholeBodyLimit = 64 * 1024

/** @internal */
export const decodeWhole = (bytes: ArrayBuffer): BoundedBody => ({
  entity: decoder.decode(bytes),
  truncated: Option.none()
})

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

interface Accumulator {
  readonly chunks: Array<Uint8Array>
  kept: number
  total: number
}

/**
 * Reads an answer's body without ever holding more than the limit:
 *
 * - a declared length above `maxResponse`: only the first `truncation` bytes are read, then the stream stops (which
 *   destroys the response) and the answer is marked truncated with the declared length;
 * - otherwise (a declared length within the limit, or none, as with chunked answers): at most
 *   max(maxResponse, truncation) bytes are kept and the rest is counted and dropped, so an answer without a
 *   Content-Length that turns out too long is truncated with its real length instead of being refused.
 *
 * @internal
 */
export const readBounded = <E, R>(
  body: Stream.Stream<Uint8Array, E, R>,
  declaredLength: Option.Option<number>,
  limits: BodyLimits
): Effect.Effect<BoundedBody, E, R> => {
  const { maxResponse, truncation } = limits
  const knownTooLong = Option.isSome(declaredLength) && declaredLength.value > maxResponse
  const keep = knownTooLong ? truncation : Math.max(maxResponse, truncation)
  const read = Effect.suspend(() => {
    const empty: Accumulator = { chunks: [], kept: 0, total: 0 }
    return Stream.runFoldWhile(
      body,
      empty,
      (acc) => !knownTooLong || acc.kept < truncation,
      (acc, chunk) => {
        const room = keep - acc.kept
        if (room > 0) {
          const kept = copyOf(chunk, room)
          acc.chunks.push(kept)
          acc.kept += kept.length
        }
        acc.total += chunk.length
        return acc
      }
    )
  })
  return Effect.map(read, (acc) => {
    const bytes = concat(acc.chunks, acc.kept)
    const length = knownTooLong ? Option.getOrElse(declaredLength, () => acc.total) : acc.total
    if (length <= maxResponse) return { entity: decoder.decode(bytes), truncated: Option.none() }
    return {
      entity: decoder.decode(utf8Prefix(bytes, truncation)),
      truncated: Option.some({ length: ByteSize.bytes(length), max: ByteSize.bytes(maxResponse) })
    }
  })
}
