import { ByteSize, DockerEngine } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { type Action, ContainerPool, PoolMetrics } from "@effect-whisk/pool"
import { Effect, Exit, Metric, Random, Schedule, Scope } from "effect"
import { performance } from "node:perf_hooks"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { initialized } from "../containers.js"
import { interleaved, millis, say } from "../measure.js"
import { post } from "../raw/actionHttp.js"
import { ActivationLogFloor } from "../raw/activationLogFloor.js"
import { summarize } from "../stats.js"

const memory = ByteSize.megabytes(256)

const noop = (context: BenchContext, name: string): Action.Action => ({
  name,
  image: context.image,
  memory,
  timeout: "30 seconds",
  code: actions.noop
})

/** A pool in a Scope of its own over the live Docker factory. */
const openPool = (config: Partial<ContainerPool.Config>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const pool = yield* ContainerPool.make(config).pipe(Scope.extend(scope), Effect.provide(DockerContainer.layer))
    return { pool, close: Scope.close(scope, Exit.void) }
  })

/** Invokes and insists on a success of the expected start kind. */
const invokeOk = (pool: ContainerPool.Service, action: Action.Action, start?: ContainerPool.StartKind) =>
  pool.invoke(action, {}).pipe(
    Effect.orDie,
    Effect.tap((record) =>
      record.response.isSuccess && (start === undefined || record.start === start)
        ? Effect.void
        : Effect.dieMessage(`unexpected activation: ${record.start} ${JSON.stringify(record.response)}`)
    )
  )

const waitForPrewarm = (pool: ContainerPool.Service) =>
  Effect.flatMap(pool.snapshot, (snapshot) =>
    snapshot.containers.some((info) => info.state === "Prewarmed") ? Effect.void : Effect.fail("starting")).pipe(
      Effect.retry({ times: 1500, schedule: Schedule.spaced("20 millis") }),
      Effect.orDie
    )

/**
 * 9. latency by start kind of a no-op action, from `invoke` to the activation record with its logs: cold (a fresh
 * pool creates the container), prewarmed (a fresh pool with one started stem cell), warm (a pool whose container ran
 * the action before, within the pause grace). Setup and teardown of each sample are not timed.
 */
export const poolStartKinds = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const warm = yield* openPool({ pauseGrace: "1 hour" })
    const warmAction = noop(context, "warm")
    yield* invokeOk(warm.pool, warmAction, "Cold")
    let n = 0
    const samples = yield* interleaved("start kinds", [
      {
        name: "cold",
        sample: Effect.gen(function*() {
          const cold = yield* openPool({})
          const [took] = yield* millis(invokeOk(cold.pool, noop(context, `cold${n++}`), "Cold"))
          yield* cold.close
          return took
        })
      },
      {
        name: "prewarmed",
        sample: Effect.gen(function*() {
          const prewarmed = yield* openPool({ stemCells: [{ image: context.image, memory, initialCount: 1 }] })
          yield* waitForPrewarm(prewarmed.pool)
          // A stem cell is reported started when its container is; its runtime then still boots for a few hundred
          // ms, which a prewarm that waited for its activation, as a pool's do, has long finished.
          yield* Effect.sleep("1 second")
          const [took] = yield* millis(invokeOk(prewarmed.pool, noop(context, `prewarmed${n++}`), "Prewarmed"))
          yield* prewarmed.close
          return took
        })
      },
      { name: "warm", sample: Effect.map(millis(invokeOk(warm.pool, warmAction, "Warm")), ([took]) => took) }
    ], { warmup: 2, count })
    yield* warm.close
    const cold = summarize(samples["cold"]!)
    const prewarmed = summarize(samples["prewarmed"]!)
    const warmSummary = summarize(samples["warm"]!)
    const ratios = { "prewarmed p50 / cold p50": prewarmed.p50 / cold.p50, "warm p50 / cold p50": warmSummary.p50 / cold.p50 }
    return {
      figure: 9,
      title: "pool: invoke to record with logs, by start kind (no-op action)",
      unit: "ms",
      series: { cold, prewarmed, warm: warmSummary },
      ratios,
      goal: "prewarmed p50 ≤ 0.1 × cold p50; warm p50 ≤ 0.02 × cold p50",
      met: ratios["prewarmed p50 / cold p50"] <= 0.1 && ratios["warm p50 / cold p50"] <= 0.02
    } satisfies FigureResult
  })

/** A Zipf(s = 1) choice among `n` items: item k (0-based) with weight 1 / (k + 1). */
const zipf = (n: number) => {
  const weights = Array.from({ length: n }, (_, k) => 1 / (k + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  return Effect.map(Random.next, (u) => {
    let acc = 0
    for (let k = 0; k < n; k++) {
      acc += weights[k]! / total
      if (u < acc) return k
    }
    return n - 1
  })
}

const callers = 32
const actionCount = 16

/** `total` activations from `callers` concurrent callers; each picks its next action with `choose`. */
const drive = <E, R>(total: number, run: () => Effect.Effect<number, E, R>) =>
  Effect.gen(function*() {
    let left = total
    const latencies: Array<number> = []
    const started = performance.now()
    yield* Effect.all(
      Array.from({ length: callers }, () =>
        Effect.gen(function*() {
          while (left > 0) {
            left--
            latencies.push(yield* run())
          }
        })),
      { concurrency: "unbounded", discard: true }
    )
    return { latencies, millis: performance.now() - started }
  })

interface Driven {
  readonly latencies: ReadonlyArray<number>
  readonly perSecond: number
}

const rounds = 6

/**
 * `total` activations of each series, driven in `rounds` chunks with the series shuffled in every round, so that
 * each sees the machine as the others do (a shared machine drifts within seconds).
 */
const alternating = <K extends string, E, R>(total: number, series: Record<K, () => Effect.Effect<number, E, R>>) =>
  Effect.gen(function*() {
    const names = Object.keys(series) as Array<K>
    const latencies = new Map(names.map((name) => [name, [] as Array<number>]))
    const elapsed = new Map(names.map((name) => [name, 0]))
    for (let round = 0; round < rounds; round++) {
      const chunk = Math.floor(total / rounds) + (round < total % rounds ? 1 : 0)
      for (const name of yield* Random.shuffle(names)) {
        const driven = yield* drive(chunk, series[name])
        latencies.get(name)!.push(...driven.latencies)
        elapsed.set(name, elapsed.get(name)! + driven.millis)
      }
    }
    const driven = {} as Record<K, Driven>
    for (const name of names) {
      driven[name] = { latencies: latencies.get(name)!, perSecond: total / (elapsed.get(name)! / 1000) }
    }
    return driven
  })

/** A queue of callers for a set of hosts: `take` resolves with a free one, in arrival order. */
const hostQueue = (hosts: ReadonlyArray<string>) => {
  const free = [...hosts]
  const waiting: Array<(host: string) => void> = []
  return {
    take: () => new Promise<string>((resolve) => free.length > 0 ? resolve(free.pop()!) : waiting.push(resolve)),
    give: (host: string) => (waiting.length > 0 ? waiting.shift()!(host) : free.push(host))
  }
}

const postRun = async (host: string) => {
  const answer = await post(host, "/run", { value: {} })
  if (answer.status !== 200) throw new Error(`/run answered ${answer.status}`)
}

/**
 * The raw baselines' callers, over 16 already-warm containers (in the caller's Scope), one call per container at a
 * time: node:http POSTs to /run. `any`: a caller takes any free container (the issue's baseline). `bound`: a caller
 * picks its container with the pool's choice of action and waits for that one, as the pool's callers are bound to
 * their action's container; latencies are then from the pick to the answer, the wait included, as the pool's are.
 * `withLogs` (made once the other series are done): as `any`, and the caller then reads the activation's log lines
 * from the container's json-file log with plain node:fs (`ActivationLogFloor`) before it gives the container back:
 * the least an invoker with logs can do.
 */
const rawCallers = (context: BenchContext, choose: Effect.Effect<number>) =>
  Effect.gen(function*() {
    const containers = yield* Effect.forEach(Array.from({ length: actionCount }), () => initialized(context, actions.noop), {
      concurrency: 4
    })
    const hosts = containers.map((container) => container.address.host)
    const anyFree = hostQueue(hosts)
    const any = () =>
      Effect.promise(async () => {
        const host = await anyFree.take()
        const start = performance.now()
        await postRun(host).finally(() => anyFree.give(host))
        return performance.now() - start
      })
    const perContainer = hosts.map((host) => hostQueue([host]))
    const bound = () =>
      Effect.flatMap(choose, (k) =>
        Effect.promise(async () => {
          const start = performance.now()
          const queue = perContainer[k]!
          const host = await queue.take()
          await postRun(host).finally(() => queue.give(host))
          return performance.now() - start
        }))
    const withLogs = Effect.gen(function*() {
      // The sentinels of the last POSTs above are written a moment after their answers: the readers start after them.
      yield* Effect.sleep("500 millis")
      const engine = yield* DockerEngine.DockerEngine
      const paths = yield* Effect.forEach(containers, (container) =>
        Effect.flatMap(Effect.orDie(engine.logSource(container.id)), (source) =>
          source._tag === "JsonFile" ? Effect.succeed(source.path) : Effect.dieMessage("the floor reads json-file logs")))
      const readers = yield* Effect.acquireRelease(
        Effect.sync(() => new Map(hosts.map((host, k) => [host, new ActivationLogFloor(paths[k]!)]))),
        (readers) => Effect.sync(() => readers.forEach((reader) => reader.close()))
      )
      return () =>
        Effect.promise(async () => {
          const host = await anyFree.take()
          const start = performance.now()
          await postRun(host).then(() => readers.get(host)!.next()).finally(() => anyFree.give(host))
          return performance.now() - start
        })
    })
    return { any, bound, withLogs }
  })

/**
 * 10a and 10b. Throughput of the pool: 32 concurrent callers over 16 no-op actions (logs included), against the raw
 * callers (`rawCallers`) in the same rounds (`alternating`). Before the measured activations, the pool has one pass
 * over the actions, then it and the raw callers have the same warm-up: as many activations as are measured in 10a
 * (V8 optimises the pool's longer path over thousands of activations while the container processes compete for
 * the two cores; its throughput during that warm-up is reported), 300 in 10b (its cold starts make it slow). 10a
 * with a budget of 16 containers and a uniform choice, 10b with 8 containers and a Zipf choice.
 */
export const poolThroughput = (context: BenchContext, total: number, pressure: boolean) =>
  Effect.gen(function*() {
    const choose = pressure ? zipf(actionCount) : Random.nextIntBetween(0, actionCount)
    const raw = yield* rawCallers(context, choose)
    const containers = pressure ? 8 : 16
    const { close, pool } = yield* openPool({ userMemory: ByteSize.bytes(memory.bytes * containers) })
    const poolActions = Array.from({ length: actionCount }, (_, k) => noop(context, `throughput${k}`))
    let errors = 0
    const starts = { Warm: 0, Prewarmed: 0, Cold: 0 }
    let coldMillis = 0
    const invoke = () =>
      Effect.gen(function*() {
        const action = poolActions[yield* choose]!
        const start = performance.now()
        const exit = yield* Effect.exit(pool.invoke(action, {}))
        const took = performance.now() - start
        if (Exit.isFailure(exit) || !exit.value.response.isSuccess) errors++
        else {
          starts[exit.value.start]++
          const { create = 0, init = 0 } = exit.value.timings
          if (exit.value.start === "Cold") coldMillis += create + init
        }
        return took
      })
    yield* Effect.forEach(poolActions, (action) => invokeOk(pool, action), { concurrency: containers, discard: true })
    const warmup = pressure ? Math.min(total, 300) : total
    yield* drive(warmup, raw.any)
    yield* drive(Math.min(total, 300), raw.bound)
    const poolWarmup = yield* drive(warmup, invoke)
    const evictionsBefore = (yield* Metric.value(PoolMetrics.evictions)).count
    const warmupErrors = errors
    errors = 0
    coldMillis = 0
    Object.assign(starts, { Warm: 0, Prewarmed: 0, Cold: 0 })
    yield* say(`throughput: warm-up of ${warmup} done, ${rounds} rounds of ${total} activations per series`)
    const measured = yield* alternating(total, { pool: invoke, any: raw.any, bound: raw.bound })
    const evictions = (yield* Metric.value(PoolMetrics.evictions)).count - evictionsBefore
    yield* close
    const withLogs = yield* raw.withLogs
    yield* drive(Math.min(total, 300), withLogs)
    const floor = yield* drive(total, withLogs)
    const floorPerSecond = total / (floor.millis / 1000)
    const ratio = measured.pool.perSecond / measured.any.perSecond
    return {
      figure: pressure ? "10b" : "10a",
      title: pressure
        ? "pool under pressure: 32 callers, 16 actions (Zipf), 8 containers"
        : "pool throughput: 32 callers, 16 actions, 16 containers",
      unit: "ms per activation",
      series: {
        "pool invoke (with logs)": summarize(measured.pool.latencies),
        "node:http POST to warm containers": summarize(measured.any.latencies),
        "node:http POST, bound to the action's container": summarize(measured.bound.latencies),
        "node:http POST + its log lines by hand (node:fs), any free container": summarize(floor.latencies)
      },
      ratios: {
        "pool activations/s": measured.pool.perSecond,
        "raw POSTs/s": measured.any.perSecond,
        "raw bound POSTs/s": measured.bound.perSecond,
        "pool / raw throughput": ratio,
        "pool / raw bound throughput": measured.pool.perSecond / measured.bound.perSecond,
        "raw with logs by hand POSTs/s (measured after)": floorPerSecond,
        "pool / raw with logs by hand throughput": measured.pool.perSecond / floorPerSecond,
        "pool activations/s during the warm-up": warmup / (poolWarmup.millis / 1000),
        errors: errors + warmupErrors,
        "cold share": starts.Cold / total,
        evictions,
        "seconds measured": total / measured.pool.perSecond,
        "cold starts' create + init, summed, s": coldMillis / 1000,
        "cold starts' create + init, mean ms": starts.Cold > 0 ? coldMillis / starts.Cold : 0
      },
      goal: pressure
        ? `report throughput, p50/p99, cold share and evictions over ${total} activations; 0 errors`
        : `pool ≥ 0.7 × raw throughput over ${total} activations; 0 errors`,
      met: errors + warmupErrors === 0 && (pressure || ratio >= 0.7),
      notes: [
        "the raw callers take any free container; the pool's, like the bound raw series, wait for their action's",
        "the raw series POST /run only; the pool also reads each activation's logs up to its sentinels",
        `the pool and the two raw POST series run in ${rounds} rounds, in a shuffled order each round, after the same warm-up`,
        "the series with logs by hand runs after the others (its readers must start after their log lines): the floor of an invoker with logs, a POST, then the activation's lines read from the kept-open json-file log with blocking node:fs reads, polled every ms until its two sentinels, no Effect",
        "under pressure the cold starts bound the throughput: their create + init, summed, against the seconds measured says how many were under way at once on average (the engine and two cores serve them all)"
      ]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
