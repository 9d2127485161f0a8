import { assert, describe, it } from "@effect/vitest"
import { summarize } from "../src/stats.js"

describe("benchmark statistics", () => {
  it("gives the median, extremes and nearest-rank percentiles", () => {
    const samples = Array.from({ length: 200 }, (_, i) => 200 - i)
    const summary = summarize(samples)
    assert.deepStrictEqual(summary, { n: 200, median: 100.5, min: 1, max: 200, p50: 100, p99: 198 })
  })

  it("takes the middle sample of an odd count", () => {
    assert.strictEqual(summarize([5, 1, 3]).median, 3)
    assert.strictEqual(summarize([7]).p99, 7)
  })

  it("refuses an empty series", () => {
    assert.throws(() => summarize([]), /no samples/)
  })
})
