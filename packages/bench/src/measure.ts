import { Effect, Random } from "effect"
import { performance } from "node:perf_hooks"

/** A full collection before a sample, when node runs with --expose-gc, so that no sample pays for another's garbage. */
export const collectGarbage = Effect.sync(() => (globalThis as { gc?: () => void }).gc?.())

/**
 * A full collection, then a pause for the collector's concurrent after-work (sweeping, freeing pages) to finish: a
 * sample of a few milliseconds taken right after `gc()` pays for it, and a short baseline pays relatively most.
 */
export const collectGarbageAndSettle = Effect.zipRight(collectGarbage, Effect.sleep("30 millis"))

/** Runs an effect and gives the wall-clock milliseconds it took (performance.now, sub-millisecond). */
export const millis = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [number, A], E, R> =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return [performance.now() - start, value] as const
  })

/** Progress of a figure on stderr. */
export const say = (text: string) => Effect.sync(() => process.stderr.write(`bench: ${text}\n`))

export interface Contender<E, R> {
  readonly name: string
  /** One timed sample; setup and teardown around it (not timed) go in `before` and `after`. */
  readonly sample: Effect.Effect<number, E, R>
}

/**
 * Runs `warmup` untimed rounds, then `count` rounds; each round runs every contender once, so that drift in the
 * machine's speed spreads over all of them, in an order shuffled anew each round: a sample can pay for what the one
 * before it left behind (the container still writing its last activation's sentinels, the engine copying them), and
 * a fixed order would always charge each contender its same neighbour's leftovers (rotating the start does not
 * change who follows whom). Gives each contender's samples in milliseconds.
 */
export const interleaved = <E, R>(
  label: string,
  contenders: ReadonlyArray<Contender<E, R>>,
  options: {
    readonly warmup: number
    readonly count: number
    /** A full collection before each sample (needs --expose-gc); off for samples of a few milliseconds. */
    readonly collect?: boolean
  }
): Effect.Effect<Record<string, Array<number>>, E, R> =>
  Effect.gen(function*() {
    const samples: Record<string, Array<number>> = Object.fromEntries(contenders.map(({ name }) => [name, []]))
    for (let round = 0; round < options.warmup + options.count; round++) {
      for (const contender of yield* Random.shuffle(contenders)) {
        if (options.collect === true) yield* collectGarbage
        const took = yield* contender.sample
        if (round >= options.warmup) samples[contender.name]!.push(took)
      }
      if ((round + 1) % 10 === 0) yield* say(`${label}: round ${round + 1}/${options.warmup + options.count}`)
    }
    return samples
  })
