import { Effect } from "effect"
import { performance } from "node:perf_hooks"

type Gc = (options?: { readonly type?: "major" | "minor" }) => void

/** How much more memory a run held at its peak than right after a full collection before it, in bytes. */
export interface MemoryGrowth {
  readonly heapUsed: number
  readonly arrayBuffers: number
  readonly rss: number
}

export interface Sampling {
  /** How often process.memoryUsage() is read while the effect runs. */
  readonly everyMs: number
  /**
   * A minor collection (a scavenge of the young generation) before each reading, so that heapUsed leaves out the
   * young garbage: what remains is the live young objects and the old generation (which may still hold garbage
   * promoted since the last full collection, so this is an upper bound of the live heap).
   */
  readonly scavenge: boolean
}

const gcOrDie = Effect.suspend(() => {
  const gc = (globalThis as { gc?: Gc }).gc
  return gc === undefined ? Effect.dieMessage("measuring memory needs node --expose-gc (npm run bench passes it)") : Effect.succeed(gc)
})

/**
 * Runs an effect while a timer reads process.memoryUsage() every `everyMs` (between the effect's asynchronous
 * steps: a timer cannot interrupt synchronous work); gives its value, the peak growth over a baseline taken right
 * after a full collection, and the milliseconds it took.
 */
export const withMemorySampling = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  sampling: Sampling
): Effect.Effect<readonly [A, MemoryGrowth, number], E, R> =>
  Effect.flatMap(gcOrDie, (gc) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        gc()
        const base = process.memoryUsage()
        const peak = { heapUsed: base.heapUsed, arrayBuffers: base.arrayBuffers, rss: base.rss }
        const read = () => {
          if (sampling.scavenge) gc({ type: "minor" })
          const now = process.memoryUsage()
          peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed)
          peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers)
          peak.rss = Math.max(peak.rss, now.rss)
        }
        const timer = setInterval(read, sampling.everyMs)
        return { base, peak, read, timer, start: performance.now() }
      }),
      (state) =>
        Effect.map(effect, (value) => {
          const took = performance.now() - state.start
          state.read()
          const growth: MemoryGrowth = {
            heapUsed: state.peak.heapUsed - state.base.heapUsed,
            arrayBuffers: state.peak.arrayBuffers - state.base.arrayBuffers,
            rss: state.peak.rss - state.base.rss
          }
          return [value, growth, took] as const
        }),
      (state) => Effect.sync(() => clearInterval(state.timer))
    ))
