import { ByteSize } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"

const parsed = (text: string) => Either.getOrThrow(ByteSize.parse(text)).bytes

describe("ByteSize", () => {
  it("parses bytes, k, m and g with or without a space and B", () => {
    assert.strictEqual(parsed("1024"), 1024)
    assert.strictEqual(parsed("3 B"), 3)
    assert.strictEqual(parsed("64k"), 64 * 1024)
    assert.strictEqual(parsed("10m"), 10 * 1024 ** 2)
    assert.strictEqual(parsed("256 MB"), 256 * 1024 ** 2)
    assert.strictEqual(parsed("1 gb"), 1024 ** 3)
    assert.strictEqual(parsed("  7KiB "), 7 * 1024)
  })

  it("refuses what is not a size, with an actionable message", () => {
    for (const bad of ["", "m", "-1m", "1.5m", "10 TB", "ten", "1e3", "99999999999999999999"]) {
      const result = ByteSize.parse(bad)
      assert.isTrue(Either.isLeft(result), bad)
      if (Either.isLeft(result)) assert.include(result.left.message, `Invalid size '${bad}'`)
    }
  })

  it("prints as the original: the largest exact unit", () => {
    assert.strictEqual(ByteSize.bytes(3).toString(), "3 B")
    assert.strictEqual(ByteSize.megabytes(1).toString(), "1 MB")
    assert.strictEqual(ByteSize.kilobytes(300).toString(), "300 KB")
    assert.strictEqual(ByteSize.bytes(1048576).toString(), "1 MB")
    assert.strictEqual(ByteSize.bytes(1025).toString(), "1025 B")
    assert.strictEqual(ByteSize.bytes(0).toString(), "0 B")
    assert.strictEqual(ByteSize.megabytes(2048).toString(), "2 GB")
  })

  it("toMB rounds down", () => {
    assert.strictEqual(ByteSize.kilobytes(1023).toMB, 0)
    assert.strictEqual(ByteSize.megabytes(10).toMB, 10)
  })

  it("round-trips: parse(print(size)) is the size", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.integer({ min: 0, max: 2 ** 40 }), (n) => {
        const size = ByteSize.bytes(n)
        assert.deepStrictEqual(Either.getOrThrow(ByteSize.parse(size.toString())), size)
      })
    )
  })

  it("has a schema from text", () => {
    const decode = Schema.decodeUnknownEither(ByteSize.ByteSizeFromString)
    assert.deepStrictEqual(decode("10m"), Either.right(ByteSize.megabytes(10)))
    assert.isTrue(Either.isLeft(decode("lots")))
    assert.strictEqual(Schema.encodeSync(ByteSize.ByteSizeFromString)(ByteSize.kilobytes(300)), "300 KB")
  })
})
