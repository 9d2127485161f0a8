// Reading an answer's body within the limits, without a server: the UTF-8 cut and the three length cases.
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck, Option } from "effect"
import type { Either } from "effect"
import { Readable } from "node:stream"
import { type BodyLimits, type BoundedBody, BoundedBodyBuffer, readBounded as read, utf8Prefix } from "../src/internal/responseBody.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** The bytes of `text` in chunks of `size`, as a socket would deliver them; `onChunk` sees each one delivered. */
const chunked = (text: string, size: number, onChunk: () => void = () => {}) => {
  const bytes = encoder.encode(text)
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
  return Readable.from(chunks, { objectMode: false }).on("data", onChunk)
}

/** readBounded as an Effect. */
const readBounded = (source: Readable, declaredLength: Option.Option<number>, limits: BodyLimits) =>
  Effect.async<BoundedBody, unknown>((resume) =>
    read(source, declaredLength, limits, (body: Either.Either<BoundedBody, unknown>) => resume(body))
  )

describe("utf8Prefix", () => {
  it.prop(
    "is the longest prefix of at most max bytes that is whole characters",
    [FastCheck.string({ unit: "binary" }), FastCheck.nat(64)],
    ([text, max]) => {
      const bytes = encoder.encode(text)
      const prefix = utf8Prefix(bytes, max)
      const decoded = decoder.decode(prefix) // throws on a split character
      assert.isTrue(text.startsWith(decoded))
      assert.isAtMost(prefix.length, max)
      // One more character would not fit.
      const next = text.slice(decoded.length).codePointAt(0)
      if (next !== undefined) assert.isAbove(prefix.length + encoder.encode(String.fromCodePoint(next)).length, max)
    }
  )
})

describe("readBounded", () => {
  it.effect("within the limit: the whole body", () =>
    Effect.gen(function*() {
      const body = yield* readBounded(chunked("héllo", 2), Option.some(6), { maxResponse: 6, truncation: 2 })
      assert.strictEqual(body.entity, "héllo")
      assert.isTrue(Option.isNone(body.truncated))
    }))

  it.effect("a declared length over the limit: reads only the truncation and reports the declared length", () =>
    Effect.gen(function*() {
      let pulled = 0
      const body = yield* readBounded(
        chunked("abcdefghij".repeat(100), 10, () => pulled++),
        Option.some(1000),
        { maxResponse: 100, truncation: 25 }
      )
      assert.strictEqual(body.entity, "abcdefghijabcdefghijabcde")
      assert.deepStrictEqual(Option.map(body.truncated, (t) => [t.length.bytes, t.max.bytes]), Option.some([1000, 100]))
      assert.strictEqual(pulled, 3)
    }))

  it.effect("an answer of one chunk (decoded from that chunk): whole within the limit, cut over it", () =>
    Effect.gen(function*() {
      const whole = yield* readBounded(chunked("{\"é\":1}", 64), Option.some(8), { maxResponse: 8, truncation: 4 })
      assert.strictEqual(whole.entity, "{\"é\":1}")
      assert.isTrue(Option.isNone(whole.truncated))
      const cut = yield* readBounded(chunked("{\"é\":1}", 64), Option.none(), { maxResponse: 7, truncation: 3 })
      assert.strictEqual(cut.entity, "{\"")
      assert.deepStrictEqual(Option.map(cut.truncated, (t) => t.length.bytes), Option.some(8))
    }))

  it.effect("no declared length, over the limit: counts to the end and keeps whole characters", () =>
    Effect.gen(function*() {
      const body = yield* readBounded(chunked("€€€€€€", 4), Option.none(), { maxResponse: 10, truncation: 5 })
      assert.strictEqual(body.entity, "€")
      assert.deepStrictEqual(Option.map(body.truncated, (t) => [t.length.bytes, t.max.bytes]), Option.some([18, 10]))
    }))
})

describe("BoundedBodyBuffer", () => {
  // Bounded memory, proven by the bytes the buffer holds: the heap of a shared test process varies with everything
  // else it does (a heap assertion here failed CI on a busy machine); the benchmark measures the process.
  const megabyte = 1024 * 1024
  const chunk = new Uint8Array(64 * 1024).fill(0x78)
  const feed = (buffer: BoundedBodyBuffer, total: number) => {
    let peak = 0
    let fed = 0
    while (fed < total && buffer.wantsMore) {
      buffer.push(chunk)
      fed += chunk.length
      peak = Math.max(peak, buffer.held)
    }
    return { peak, fed }
  }

  it("50 MB without a declared length: counted to the end, never holding more than the 1 MB limit", () => {
    const buffer = new BoundedBodyBuffer(Option.none(), { maxResponse: megabyte, truncation: megabyte })
    const { fed, peak } = feed(buffer, 50 * megabyte)
    assert.strictEqual(fed, 50 * megabyte)
    assert.strictEqual(peak, megabyte)
    assert.strictEqual(buffer.received, 50 * megabyte)
    const body = buffer.finish()
    assert.strictEqual(body.entity.length, megabyte)
    assert.deepStrictEqual(Option.map(body.truncated, (t) => t.length.bytes), Option.some(50 * megabyte))
  })

  it("50 MB with a declared length: stops wanting more at the truncation, holding only it", () => {
    const buffer = new BoundedBodyBuffer(Option.some(50 * megabyte), { maxResponse: megabyte, truncation: 100 * 1024 })
    const { fed, peak } = feed(buffer, 50 * megabyte)
    assert.strictEqual(fed, 2 * chunk.length)
    assert.strictEqual(peak, 100 * 1024)
    assert.strictEqual(buffer.finish().entity.length, 100 * 1024)
  })
})
