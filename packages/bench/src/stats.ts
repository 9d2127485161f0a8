/** Summary statistics of a series of samples. */
export interface Summary {
  readonly n: number
  readonly median: number
  readonly min: number
  readonly max: number
  readonly p50: number
  readonly p99: number
}

/** The nearest-rank percentile of sorted samples. */
const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

const median = (sorted: ReadonlyArray<number>): number => {
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) throw new Error("no samples to summarize")
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    median: median(sorted),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99)
  }
}

/** Two decimals, for the JSON file. */
export const round = (value: number): number => Math.round(value * 100) / 100

export const roundSummary = (summary: Summary): Summary => ({
  n: summary.n,
  median: round(summary.median),
  min: round(summary.min),
  max: round(summary.max),
  p50: round(summary.p50),
  p99: round(summary.p99)
})
