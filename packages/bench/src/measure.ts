import { type Duration, Effect, Random } from "effect"
import { readFile } from "node:fs/promises"
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
    /**
     * A pause after each sample, so that what it leaves to do after its answer (the runtime's sentinels, the engine
     * copying them, a socket's close, a connection opened for a next call) runs on idle time, as it does between
     * activations, instead of being charged to the next contender.
     */
    readonly pause?: Duration.DurationInput
  }
): Effect.Effect<Record<string, Array<number>>, E, R> =>
  Effect.gen(function*() {
    const samples: Record<string, Array<number>> = Object.fromEntries(contenders.map(({ name }) => [name, []]))
    for (let round = 0; round < options.warmup + options.count; round++) {
      for (const contender of yield* Random.shuffle(contenders)) {
        if (options.collect === true) yield* collectGarbage
        const took = yield* contender.sample
        if (round >= options.warmup) samples[contender.name]!.push(took)
        if (options.pause !== undefined) yield* Effect.sleep(options.pause)
      }
      if ((round + 1) % 10 === 0) yield* say(`${label}: round ${round + 1}/${options.warmup + options.count}`)
    }
    return samples
  })

/** The busy and total jiffies of all CPUs since boot (the first line of /proc/stat), or undefined off Linux. */
const cpuTimes = async (): Promise<{ readonly busy: number; readonly total: number } | undefined> => {
  const text = await readFile("/proc/stat", "utf8").catch(() => undefined)
  const fields = text?.split("\n", 1)[0]?.trim().split(/\s+/).slice(1).map(Number)
  if (fields === undefined || fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return undefined
  const total = fields.reduce((a, b) => a + b, 0)
  // idle and iowait
  return { busy: total - fields[3]! - fields[4]!, total }
}

/**
 * Waits, at most `most` milliseconds, until the machine's CPUs were busy less than `share` of half a second: a figure
 * that starts while the engine still removes the previous figure's containers (in the background, after their
 * removal was answered) measures that work too, and a contender that does more work after its answer pays most for
 * it. Gives the busy share it found last (undefined where /proc/stat cannot be read).
 */
export const quietMachine = (share = 0.25, most = 20_000): Effect.Effect<number | undefined> =>
  Effect.promise(async () => {
    const until = performance.now() + most
    let found: number | undefined
    do {
      const before = await cpuTimes()
      await new Promise((resolve) => setTimeout(resolve, 500))
      const after = await cpuTimes()
      if (before === undefined || after === undefined || after.total === before.total) return undefined
      found = (after.busy - before.busy) / (after.total - before.total)
    } while (found >= share && performance.now() < until)
    return found
  })
