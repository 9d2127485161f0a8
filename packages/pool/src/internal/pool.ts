import {
  ActivationResponse,
  ByteSize,
  type Container,
  ContainerFactory,
  Messages
} from "@effect-whisk/core"
import * as FileLogStore from "@effect-whisk/logs/FileLogStore"
import * as LogStore from "@effect-whisk/logs/LogStore"
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Either,
  ExecutionStrategy,
  Exit,
  Fiber,
  FiberId,
  MetricLabel,
  Option,
  Schedule,
  Scope
} from "effect"
import * as Action from "../Action.js"
import * as ActivationContext from "../ActivationContext.js"
import type * as ContainerPool from "../ContainerPool.js"
import { PoolError } from "../PoolError.js"
import * as PoolMetrics from "../PoolMetrics.js"
import * as OneShot from "./oneShot.js"
import { withStepSpan } from "./stepSpan.js"
import * as validation from "./validation.js"

type EntryState = ContainerPool.ContainerInfo["state"]

type RemovalReason = "Evicted" | "Idle" | "Expired" | "Failed" | "Unhealthy" | "HealthCheck" | "Interrupted" | "Closed"

/** The stem cells of one (image, memory), and what prewarming them has seen since the last check. */
interface Cell {
  readonly config: ContainerPool.StemCell
  readonly key: string
  readonly ttl: Duration.Duration | undefined
  /** Cold starts of its image and memory since the last check (P17, reactive). */
  coldStarts: number
  /** Consecutive failed starts (PF5). */
  failures: number
  /** Its prewarms removed by the health check in a row, none of which passed a probe (bounded as PF5). */
  unhealthy: number
}

/** The init of a container's first activation: how it ended, for the activations that joined it (P14). */
type InitOutcome = ActivationResponse.ActivationResponse | undefined

/** One container of the pool: its book entry (memory, activations) and what runs it. */
interface Entry {
  readonly image: string
  readonly memory: number
  /** How its first activation started; activations joining it before its init ended (P2 warming tiers) share it. */
  readonly origin: ContainerPool.StartKind
  /** Holds the container: closing it destroys the container. */
  readonly scope: Scope.CloseableScope
  /** Suspend and resume one at a time, so an activation never runs in a container a pause timer is freezing. */
  readonly control: Effect.Semaphore
  state: EntryState
  container: Container.Container | undefined
  action: Action.Resolved | undefined
  invocationNamespace: string | undefined
  /** The action's identity and the invocation namespace: what must match for reuse (P2). */
  key: string | undefined
  cell: Cell | undefined
  expires: number | undefined
  active: number
  /** Epoch millis of the last placement. */
  lastUsed: number
  suspended: boolean
  /** Out of the books: its memory is free and nothing is placed on it. */
  removed: boolean
  /** Takes no more activations; removed when its last one ends. */
  draining: boolean
  /** Why it drains, when that is not its last activation's outcome: it was chosen to make room (P6). */
  drainReason: RemovalReason | undefined
  initialized: Deferred.Deferred<InitOutcome> | undefined
  /** The pause-grace and idle timer of an idle container. */
  timer: Fiber.RuntimeFiber<void> | undefined
  /** Epoch millis when its last activation ended: the pause grace counts from here. */
  idleSince: number
  /** Epoch millis when it was suspended: the idle timeout counts from here. */
  suspendedAt: number
  /** Its pause timer is suspending it now (under `control`). */
  pausing: boolean
  /** The health check of a started stem cell (PX10): runs in the entry's scope while it is Prewarmed. */
  probing: Fiber.RuntimeFiber<void> | undefined
  /** Failed health probes in a row (PX39, PX40). */
  probeFailures: number
}

/** Where an activation goes, and the idle containers removed to make room for it (P6). */
interface Placement {
  readonly start: ContainerPool.StartKind
  readonly entry: Entry
  /** This activation creates (when cold) and initialises the container. */
  readonly first: boolean
  readonly victims: ReadonlyArray<Entry>
}

interface Request {
  readonly action: Action.Resolved
  readonly invocationNamespace: string
  readonly key: string
}

interface Waiter {
  readonly seq: number
  /** Epoch millis when it started to wait. */
  readonly since: number
  readonly request: Request
  readonly placed: OneShot.OneShot<Placement, PoolError>
}

const Reschedule = Symbol("Reschedule")

/** What an activation did with its placement, for an interruption to undo exactly that. */
interface Lease {
  /** Its slot was given back. */
  released: boolean
  /** It started to change the container (create, init, resume, run). */
  touched: boolean
}

const compareBy = <A>(f: (a: A) => number) => (a: A, b: A) => f(a) - f(b)

/**
 * An action's recent demand: its activations, each counted as 1 and halved every `demandHalfLife` since it arrived.
 * Eviction takes the idle container of the least demanded action first, so an action asked for once in a while gives
 * way before a popular one that happened to be used a moment earlier; with one activation each (or equal rates), the
 * order is LRU's.
 */
interface Demand {
  value: number
  /** Epoch millis of the last update. */
  at: number
  /** The value decayed to `decayedAt`: a drain pass asks for each action's demand once per container and waiter. */
  decayedAt: number
  decayedValue: number
}

const demandHalfLife = 60_000

const decayed = (demand: Demand, now: number): number => {
  if (demand.decayedAt !== now) {
    demand.decayedValue = demand.value * Math.pow(2, -(now - demand.at) / demandHalfLife)
    demand.decayedAt = now
  }
  return demand.decayedValue
}

// Updated with one label array per tag, made once: the metric's hook is cached by that array, while a metric tagged
// with `Metric.tagged` builds a new array per update and looks its hook up in the registry (hashing its key) each time.
const startLabels: Record<ContainerPool.StartKind, ReadonlyArray<MetricLabel.MetricLabel>> = {
  Warm: [MetricLabel.make("start", "Warm")],
  Prewarmed: [MetricLabel.make("start", "Prewarmed")],
  Cold: [MetricLabel.make("start", "Cold")]
}

const removalReasons: ReadonlyArray<RemovalReason> = [
  "Evicted",
  "Idle",
  "Expired",
  "Failed",
  "Unhealthy",
  "HealthCheck",
  "Interrupted",
  "Closed"
]

const removalLabels = Object.fromEntries(
  removalReasons.map((reason): [RemovalReason, ReadonlyArray<MetricLabel.MetricLabel>] => [reason, [MetricLabel.make("reason", reason)]])
) as Record<RemovalReason, ReadonlyArray<MetricLabel.MetricLabel>>

/**
 * The spans of every activation and container step: without the call-site stack trace each span captures by default,
 * which cost about 0.14 ms of CPU per warm activation (a tenth of the pool's own cost; figure 10a), and says only where
 * in this file.
 */
const hot = { captureStackTrace: false } as const

/** The span of one step of every activation (wait, run, logs): made under an installed tracer only. */
const stepSpan = (name: string) => withStepSpan(name, hot)

const millisBetween = (start: bigint, end: bigint): number => Math.round(Number(end - start) / 10_000) / 100

/**
 * Runs an effect, giving how long it took on the Clock and its value: read from the Clock directly, where
 * `Effect.timed` takes several more steps of the runtime for each of an activation's steps.
 */
const timedPlain = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.clockWith((clock) => {
    const start = clock.unsafeCurrentTimeNanos()
    return Effect.map(effect, (value) => [millisBetween(start, clock.unsafeCurrentTimeNanos()), value] as const)
  })

/** Runs an effect, giving how long it took on the Clock and its outcome. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) => timedPlain(Effect.either(effect))

/**
 * The key of P2 for an action in an invocation namespace, one string per (action, namespace): the identity holds the
 * action's code, which can be megabytes, and a key built anew for each activation was hashed anew by every Map lookup.
 */
const requestKeys = new WeakMap<Action.Resolved, Map<string, string>>()

const requestKey = (action: Action.Resolved, invocationNamespace: string): string => {
  let byNamespace = requestKeys.get(action)
  if (byNamespace === undefined) requestKeys.set(action, byNamespace = new Map())
  let key = byNamespace.get(invocationNamespace)
  if (key === undefined) byNamespace.set(invocationNamespace, key = `${invocationNamespace}\u0000${action.identity}`)
  return key
}

const cellKey = (image: string, memory: number) => `${memory}\u0000${image}`

const addTo = <K, V>(index: Map<K, Set<V>>, key: K, value: V) => {
  const set = index.get(key)
  if (set === undefined) index.set(key, new Set([value]))
  else set.add(value)
}

const deleteFrom = <K, V>(index: Map<K, Set<V>>, key: K, value: V) => {
  const set = index.get(key)
  if (set === undefined) return
  set.delete(value)
  if (set.size === 0) index.delete(key)
}

/**
 * The pool over a Config that `validation.config` found no problem in: the code below relies on it (no timer of 0,
 * no count of NaN).
 *
 * @internal
 */
export const make = (
  config: ContainerPool.Config
): Effect.Effect<ContainerPool.Service, never, ContainerFactory.ContainerFactory | Scope.Scope> =>
  Effect.gen(function*() {
    const factory = yield* ContainerFactory.ContainerFactory
    // B32: with a FileLogStore in the context, each activation's lines also go to its files.
    const fileLogStore = yield* Effect.serviceOption(FileLogStore.FileLogStore)
    const outer = yield* Effect.scope
    // Containers are removed in parallel when the pool closes.
    const poolScope = yield* Scope.fork(outer, ExecutionStrategy.parallel)
    const budget = config.userMemory.bytes
    const pauseGraceMillis = Duration.toMillis(Duration.decode(config.pauseGrace))
    const idleTimeoutMillis = Duration.toMillis(Duration.decode(config.idleTimeout))
    const warmWait = Duration.decode(config.warmWait)
    const warmWaitMillis = Duration.toMillis(warmWait)
    /** How long a cold start (create and init) took lately, a moving average: waiting longer gains nothing. */
    let coldStartMillis = 0
    /** The fastest create seen: what a create takes when the backend does nothing else. */
    let createBaseMillis = Infinity
    /** How many creates the backend runs side by side without slowing each down (a moving average; see mayEvictNow). */
    let createParallelism = Infinity
    const bypassWindow = Duration.toMillis(Duration.decode(config.bypassWindow))

    const entries = new Set<Entry>()
    /** Entries initialised, or being initialised, for an action: by the key of P2. */
    const byKey = new Map<string, Set<Entry>>()
    /** Started stem cells, by (image, memory). */
    const prewarmed = new Map<string, Set<Entry>>()
    const cells = new Map<string, Cell>()
    let used = 0
    /** Of `used`, the memory of containers out of the books and being removed: free once they are gone. */
    let releasing = 0
    let waiters: Array<Waiter> = []
    /** The buffer's head while it cannot be placed: it stays the head until it is (P1, PT17, PT18). */
    let head: Waiter | undefined
    let waiterSeq = 0
    /** Per action identity, when an activation of it was last placed: the buffer serves the longest unserved first. */
    const lastServed = new Map<string, number>()
    let placements = 0
    /** By the key of P2: how much each action (in its invocation namespace) was asked for lately. */
    const demand = new Map<string, Demand>()
    let arrivals = 0
    let closed = false
    /** Invocations that have not ended: closing the pool waits for them. */
    let invoking = 0
    /** The fibers of the activations running now: closing the pool interrupts them, and their callers fail with Closed. */
    const running = new Set<Fiber.RuntimeFiber<ContainerPool.Activation, PoolError>>()
    const drained = yield* Deferred.make<void>()

    for (const stemCell of config.stemCells) {
      const key = cellKey(stemCell.image, stemCell.memory.bytes)
      if (cells.has(key)) continue
      const ttl = stemCell.reactive === undefined ? undefined : Duration.decode(stemCell.reactive.ttl)
      cells.set(key, {
        config: stemCell,
        key,
        // An infinite time to live: its prewarms never expire, as those of a cell without one.
        ttl: ttl !== undefined && Duration.isFinite(ttl) ? ttl : undefined,
        coldStarts: 0,
        failures: 0,
        unhealthy: 0
      })
    }

    const publishGauges = () => {
      let busy = 0
      let idle = 0
      let prewarms = 0
      for (const entry of entries) {
        if (entry.state === "Starting" || entry.state === "Prewarmed") prewarms++
        else if (entry.active > 0) busy++
        else if (entry.state === "Warm") idle++
      }
      PoolMetrics.busyContainers.unsafeUpdate(busy, [])
      PoolMetrics.idleContainers.unsafeUpdate(idle, [])
      PoolMetrics.prewarmContainers.unsafeUpdate(prewarms, [])
      PoolMetrics.memoryInUse.unsafeUpdate(used, [])
      PoolMetrics.bufferLength.unsafeUpdate(waiters.length, [])
    }

    const newEntry = (image: string, memory: number, state: EntryState, origin: ContainerPool.StartKind): Entry => {
      const entry: Entry = {
        image,
        memory,
        origin,
        scope: Effect.runSync(Scope.fork(poolScope, ExecutionStrategy.sequential)),
        control: Effect.unsafeMakeSemaphore(1),
        state,
        container: undefined,
        action: undefined,
        invocationNamespace: undefined,
        key: undefined,
        cell: undefined,
        expires: undefined,
        active: 0,
        lastUsed: 0,
        suspended: false,
        removed: false,
        draining: false,
        drainReason: undefined,
        initialized: undefined,
        timer: undefined,
        idleSince: 0,
        suspendedAt: 0,
        pausing: false,
        probing: undefined,
        probeFailures: 0
      }
      entries.add(entry)
      used += memory
      return entry
    }

    const stopTimer = (entry: Entry) => {
      if (entry.timer === undefined) return
      entry.timer.unsafeInterruptAsFork(FiberId.none)
      entry.timer = undefined
    }

    const stopProbing = (entry: Entry) => {
      if (entry.probing === undefined) return
      entry.probing.unsafeInterruptAsFork(FiberId.none)
      entry.probing = undefined
    }

    /** Takes the entry out of the books: its memory is free at once, before the container is gone (as P11). */
    const unbook = (entry: Entry, reason: RemovalReason, freeMemory = true): boolean => {
      if (entry.removed) return false
      entry.removed = true
      entries.delete(entry)
      if (freeMemory) used -= entry.memory
      else releasing += entry.memory
      if (entry.key !== undefined) deleteFrom(byKey, entry.key, entry)
      if (entry.cell !== undefined) deleteFrom(prewarmed, entry.cell.key, entry)
      stopTimer(entry)
      stopProbing(entry)
      PoolMetrics.removals.unsafeUpdate(1, removalLabels[reason])
      if (reason === "Evicted") PoolMetrics.evictions.unsafeUpdate(1, [])
      return true
    }

    const destroy = (entry: Entry): Effect.Effect<void> =>
      Effect.uninterruptible(Scope.close(entry.scope, Exit.void)).pipe(
        Effect.withSpan("ContainerPool.destroy", { attributes: { container: entry.container?.id }, ...hot })
      )

    /**
     * Removes an entry whose memory unbook kept, in the background: its memory is free once its container is gone, so
     * the containers alive never hold more than the budget, and the caller of its last activation does not wait.
     */
    const discard = (entry: Entry): Effect.Effect<void> =>
      Effect.asVoid(Effect.forkIn(
        Effect.uninterruptible(Effect.zipRight(
          destroy(entry),
          Effect.suspend(() => {
            used -= entry.memory
            releasing -= entry.memory
            return drainNow
          })
        )),
        poolScope
      ))

    // ---- placement (synchronous: nothing else runs while the books change) ----

    /** P2/P3: a container of the same action and invocation namespace with a free slot; warm first, then warming. */
    const findWarm = (request: Request): Entry | undefined => {
      const candidates = byKey.get(request.key)
      if (candidates === undefined) return undefined
      let warming: Entry | undefined
      let warm: Entry | undefined
      for (const entry of candidates) {
        if (entry.draining || entry.active >= request.action.maxConcurrent) continue
        // PF14: a deliberate pick, the most recently used, so surplus copies idle out.
        if (entry.state === "Warm") {
          if (warm === undefined || entry.lastUsed > warm.lastUsed) warm = entry
        } else if (warming === undefined || (warming.origin === "Cold" && entry.origin === "Prewarmed")) {
          warming = entry
        }
      }
      return warm ?? warming
    }

    /** P4: a started stem cell of the same image and memory, the one expiring soonest (no expiry counts as now). */
    const findPrewarm = (request: Request, now: number): Entry | undefined => {
      // Asked for each waiter on each release: no key built (and hashed) when there is no stem cell at all.
      if (prewarmed.size === 0) return undefined
      const candidates = prewarmed.get(cellKey(request.action.image, request.action.memory.bytes))
      if (candidates === undefined) return undefined
      let best: Entry | undefined
      for (const entry of candidates) {
        if (best === undefined || (entry.expires ?? now) < (best.expires ?? now)) best = entry
      }
      return best
    }

    const demandOf = (key: string | undefined, now: number): number => {
      const known = key === undefined ? undefined : demand.get(key)
      return known === undefined ? 0 : decayed(known, now)
    }

    /** One more activation of the request's action; now and then, actions neither asked for nor held are forgotten. */
    const demanded = (request: Request, now: number) => {
      const known = demand.get(request.key)
      if (known === undefined) demand.set(request.key, { value: 1, at: now, decayedAt: now, decayedValue: 1 })
      else {
        known.value = decayed(known, now) + 1
        known.at = now
        known.decayedAt = now
        known.decayedValue = known.value
      }
      if (++arrivals % 1024 === 0) {
        for (const [key, value] of demand) if (!byKey.has(key) && decayed(value, now) < 0.01) demand.delete(key)
      }
    }

    /** How many containers, not going away, an action holds: each copy is worth its share of the action's demand. */
    const copiesOf = (key: string | undefined): number => {
      const own = key === undefined ? undefined : byKey.get(key)
      let copies = 0
      if (own !== undefined) for (const entry of own) if (!entry.draining) copies++
      return Math.max(1, copies)
    }

    /**
     * P6, better than PF1 and PF2: warm containers, the least demand per container first (an action's demand shared
     * among its containers, so a surplus copy goes before another action's only one: counted per action, callers in a
     * closed loop kept the copies of the actions they could reach while the few actions without a container, asked
     * for less since their callers waited, evicted each other's new containers one create at a time: 7 activations/s
     * where 2,500 were possible with 300 ms creates) and among equals the idle ones
     * and then the oldest use, then stem cells, soonest expiry first, until the shortfall (not the action's whole
     * memory) is covered; nothing when they cannot cover it. OpenWhisk evicts the least recently used idle ones
     * (PT46); ordered by demand, a burst of rare actions under pressure does not evict the containers the popular
     * ones need again at once (figure 10b).
     *
     * With `waitForBusy` (an action without a container of its own), busy containers are candidates too: when the
     * least demanded ones are busy, they are marked to go when their activation ends (they take no more), and the
     * activation waits for them rather than evicting the popular container that happened to be idle at this moment;
     * without it, under pressure every release handed the idle container of a busy action to the buffer's head, and
     * that action's own waiters then evicted the next one (figure 10b: a cold share of 0.55–0.63 on the engine where
     * the 7 most popular of 16 Zipf actions keeping their containers give 0.23; 0.20 after).
     * Memory already draining or being released counts as covered, so a retried head does not mark more.
     *
     * Never marked: a container still being created or initialised (its cold start is paid for and its activation
     * waits for it). Marked last, and only by the buffer's head (not `behindHead`) when no idle container was spared: a
     * busy container whose own action has activations in the buffer. Both were the least demanded under pressure (a
     * rare action's new container): marked, each served one activation, and the next rare activation in the buffer
     * waited for it, so cold starts ran one at a time while 7 idle containers waited (figure 10b on fake containers:
     * 13 activations/s, a p99 of 21 s). `spareAbove` (the requester's own demand, for an action without a container):
     * an idle container of a more demanded action is spared until it has been idle for as long as a cold start takes
     * (`warmWait` at least); a popular action's container idle for a moment is kept, one idle that long is evicted,
     * so cold starts under pressure run side by side rather than wait for a rare one's container to come free.
     *
     * Gives the idle containers removed, to be placed now; `undefined` to wait.
     */
    const evictFor = (
      shortfall: number,
      now: number,
      below: number,
      waitForBusy: boolean,
      reserved: number,
      spareAbove: number = Infinity,
      behindHead = false
    ): ReadonlyArray<Entry> | undefined => {
      /** An idle container used last before this may go whatever its demand (see `spareAbove`). */
      const stale = now - Math.max(warmWaitMillis, coldStartMillis)
      const candidates: Array<
        { readonly entry: Entry; readonly demand: number; readonly idle: boolean; readonly late: boolean }
      > = []
      const stemCells: Array<Entry> = []
      let pending = releasing
      const awaited = waitForBusy ? awaitedKeys() : undefined
      let spared = false
      for (const entry of entries) {
        if (entry.draining) {
          pending += entry.memory
        } else if (
          (entry.state === "Warm" && entry.active === 0) ||
          (awaited !== undefined && entry.state === "Warm")
        ) {
          const demand = demandOf(entry.key, now) / copiesOf(entry.key)
          const idle = entry.active === 0
          if (demand >= below) continue
          if (idle && demand > spareAbove && entry.idleSince > stale) spared = true
          else candidates.push({ entry, demand, idle, late: !idle && awaited!.has(entry.key!) })
        } else if (entry.state === "Prewarmed") stemCells.push(entry)
      }
      candidates.sort((a, b) =>
        Number(a.late) - Number(b.late) || a.demand - b.demand || Number(b.idle) - Number(a.idle) ||
        a.entry.lastUsed - b.entry.lastUsed
      )
      stemCells.sort(compareBy((entry) => entry.expires ?? 0))
      const victims: Array<Entry> = []
      const busy: Array<Entry> = []
      // Memory already draining and not counted on by the activations ahead of this one.
      const draining = waitForBusy ? Math.max(0, pending - reserved) : 0
      let idleMemory = 0
      let busyMemory = 0
      const chosen = spared || behindHead ? candidates.filter((candidate) => !candidate.late) : candidates
      for (const entry of [...chosen.map((candidate) => candidate.entry), ...stemCells]) {
        if (draining + idleMemory + busyMemory >= shortfall) break
        if (entry.active > 0 || (entry.state !== "Warm" && entry.state !== "Prewarmed")) {
          busy.push(entry)
          busyMemory += entry.memory
        } else {
          victims.push(entry)
          idleMemory += entry.memory
        }
      }
      if (draining + idleMemory + busyMemory < shortfall) return undefined
      if (idleMemory < shortfall) {
        // It waits: for the marked containers and for memory already draining.
        for (const entry of busy) {
          entry.draining = true
          entry.drainReason = "Evicted"
        }
        return undefined
      }
      for (const victim of victims) unbook(victim, "Evicted")
      return victims
    }

    /**
     * The actions with activations in the buffer: a busy container of one of them is marked to go last (P6), since
     * they wait for it; marked, it served one more activation and its waiters then needed a cold start of their own.
     */
    const awaitedKeys = (): ReadonlySet<string> => {
      // Asked once per waiter in a pass behind the head: made again only when the buffer changed (it only grows by a
      // push and shrinks into a new array).
      if (awaitedMemo.of !== waiters || awaitedMemo.length !== waiters.length) {
        const keys = new Set<string>()
        for (const waiter of waiters) keys.add(waiter.request.key)
        awaitedMemo = { of: waiters, length: waiters.length, keys }
      }
      return awaitedMemo.keys
    }
    let awaitedMemo: { of: ReadonlyArray<Waiter>; length: number; keys: ReadonlySet<string> } = {
      of: [],
      length: 0,
      keys: new Set()
    }

    const served = (request: Request, entry: Entry, now: number) => {
      entry.active++
      entry.lastUsed = now
      lastServed.set(request.action.identity, ++placements)
    }

    const assign = (entry: Entry, request: Request) => {
      entry.action = request.action
      entry.invocationNamespace = request.invocationNamespace
      entry.key = request.key
      entry.initialized = Deferred.unsafeMake(FiberId.none)
      addTo(byKey, request.key, entry)
    }

    /** A container with a free slot of the request's own action (P2), which takes no memory. */
    const tryWarm = (request: Request, now: number): Placement | undefined => {
      const warm = findWarm(request)
      if (warm === undefined) return undefined
      served(request, warm, now)
      return { start: warm.state === "Warm" ? "Warm" : warm.origin, entry: warm, first: false, victims: [] }
    }

    /** Whether the request's action has a container that will take it soon: busy now, not going away. */
    const hasOwnContainer = (request: Request): boolean => {
      const own = byKey.get(request.key)
      if (own === undefined) return false
      for (const entry of own) if (!entry.draining) return true
      return false
    }

    /** Whether the request's action has a container still being created or initialised, which will take it next. */
    const hasWarmingContainer = (request: Request): boolean => {
      const own = byKey.get(request.key)
      if (own === undefined) return false
      for (const entry of own) if (!entry.draining && entry.state !== "Warm") return true
      return false
    }

    const creatingNow = (): number => {
      let count = 0
      for (const entry of entries) if (entry.state === "Creating") count++
      return count
    }

    /**
     * Whether a cold start that needs an eviction may begin now: while fewer creates are under way than the backend
     * runs side by side, plus one to find out whether it runs more. On fake containers creates overlap freely and the
     * cold starts under pressure ran 8 at once (75 activations/s); on the engine of a 2-core machine they queue (8 at
     * once took 1.7 s each, as long as one after another), and each eviction they made only raised the cold share (0.25
     * to 0.33; 11.7 to 7.4 activations/s in figure 10b).
     */
    const mayEvictNow = (): boolean =>
      !Number.isFinite(createParallelism) || creatingNow() < Math.max(1, Math.round(createParallelism)) + 1

    /**
     * A create of `took` ms ended that began with `alongside` creates under way (itself included). Only creates that
     * had company say how many run side by side; until one did, cold starts are not held back.
     */
    const observeCreate = (alongside: number, took: number) => {
      if (took <= 0) return
      createBaseMillis = Math.min(createBaseMillis, took)
      if (alongside < 2) return
      const parallel = (alongside * createBaseMillis) / took
      createParallelism = Number.isFinite(createParallelism) ? 0.8 * createParallelism + 0.2 * parallel : parallel
    }

    /** P2 to P6: where the request goes now, if anywhere; `since` is when it started to wait. */
    const tryPlace = (request: Request, now: number, since: number): Placement | undefined => {
      const warm = tryWarm(request, now)
      if (warm !== undefined) return warm
      if (!request.action.blackbox) {
        const stemCell = findPrewarm(request, now)
        if (stemCell !== undefined) {
          deleteFrom(prewarmed, stemCell.cell!.key, stemCell)
          // PX10: no probes once it is taken (it is Running for OpenWhisk).
          stopProbing(stemCell)
          stemCell.state = "Initializing"
          stemCell.expires = undefined
          assign(stemCell, request)
          served(request, stemCell, now)
          return { start: "Prewarmed", entry: stemCell, first: true, victims: [] }
        }
      }
      const memory = request.action.memory.bytes
      let victims: ReadonlyArray<Entry> = []
      if (used + memory > budget) {
        // Better than P6: its own busy container is usually free again long before a cold start would end, and an
        // eviction would cost another action its warm container; so it waits a little first.
        const hasOwn = hasOwnContainer(request)
        if (hasOwn && (now - since < Math.max(warmWaitMillis, coldStartMillis) || hasWarmingContainer(request))) {
          // A container of its own still starting is ready sooner than another cold start would be.
          return undefined
        }
        // An action with a container of its own takes another only from less demanded actions: equally busy actions
        // evicting each other's containers only trade warm starts for cold ones (figure 10b).
        const below = hasOwn ? demandOf(request.key, now) / copiesOf(request.key) : Infinity
        if (!mayEvictNow()) return undefined
        const spareAbove = hasOwn ? Infinity : demandOf(request.key, now)
        const evicted = evictFor(used + memory - budget, now, below, !hasOwn, 0, spareAbove)
        if (evicted === undefined) return undefined
        victims = evicted
      }
      return coldPlacement(request, now, victims)
    }

    /** P5: a new container for the request, when its memory fits now. */
    const coldPlacement = (request: Request, now: number, victims: ReadonlyArray<Entry>): Placement | undefined => {
      const memory = request.action.memory.bytes
      // Better than PF1: the budget holds after the eviction, or nothing is created.
      if (used + memory > budget) return undefined
      const entry = newEntry(request.action.image, memory, "Creating", "Cold")
      assign(entry, request)
      served(request, entry, now)
      if (!request.action.blackbox) {
        const cell = cells.get(cellKey(request.action.image, memory))
        if (cell !== undefined) cell.coldStarts++
      }
      return { start: "Cold", entry, first: true, victims }
    }

    /** The waiter served next: the pinned head, else the oldest of the action placed longest ago (fairness). */
    const nextWaiter = (): Waiter | undefined => {
      if (head !== undefined) return head
      let best: Waiter | undefined
      let bestServed = Infinity
      for (const waiter of waiters) {
        const last = lastServed.get(waiter.request.action.identity) ?? 0
        if (last < bestServed) {
          best = waiter
          bestServed = last
        }
      }
      return best
    }

    /**
     * Activations behind the head may take a free slot of a warm container of their own action (which takes no
     * memory) until the head has waited `bypassWindow`; from then on the order is strict (P1) until it is placed, so
     * that the head cannot starve. Better than PF3: a warm container does not idle while its activations queue.
     * A head that waits for its own busy container is served first when that container frees (`drain` tries the
     * head first), so bypasses cannot starve it and stay allowed: otherwise, once waits exceed the window, every
     * other free warm container idles behind one busy one (figure 10a: 32 callers over 16 actions).
     */
    const mayBypass = (now: number, first: Waiter | undefined = head) =>
      first === undefined || now - first.since < bypassWindow || hasOwnContainer(first.request) ||
      drainsFor(first.request)

    /**
     * Whether the memory of the containers marked to go covers the request: then it waits only for them, which take
     * no new activations, so an activation that takes a warm slot meanwhile costs it nothing.
     */
    const drainsFor = (request: Request): boolean => {
      let draining = releasing
      for (const entry of entries) if (entry.draining) draining += entry.memory
      return draining > 0 && used - draining + request.action.memory.bytes <= budget
    }

    const dequeue = (waiter: Waiter, placement: Placement) => {
      waiters = waiters.filter((other) => other !== waiter)
      OneShot.unsafeDone(waiter.placed, Exit.succeed(placement))
    }

    /** The activations behind a waiting head that may go before it: warm slots, and cold starts that do not delay it. */
    const bypass = (first: Waiter, now: number) => {
      // While the head waits only for containers marked to go, the activations behind it without a container of
      // their own mark theirs too, each counting on the draining memory the ones ahead of it do not: one at a time,
      // a cold start under pressure waited for the one before it (figure 10b in a simulation on the test layer: 18
      // activations/s where 35 were possible). They mark only containers of actions less demanded than their own:
      // when each marked the least demanded container left, nothing stayed warm (a cold share of 0.78 there).
      // A head that waits for a container of its own needs no memory: the ones behind it may evict and create now
      // rather than one at a time, each when it reaches the head (the harness of figure 10a with 300 ms creates).
      const headNeeds = drainsFor(first.request)
      let reserved = headNeeds
        ? used + first.request.action.memory.bytes - budget
        : hasOwnContainer(first.request)
        ? 0
        : undefined
      for (const waiter of waiters) {
        if (waiter === first) continue
        const placement = tryWarm(waiter.request, now)
        if (placement !== undefined) {
          dequeue(waiter, placement)
        } else if (reserved !== undefined && !hasOwnContainer(waiter.request)) {
          // The free memory is the head's, unless it waits for its own container: then only the shortfall.
          const memory = waiter.request.action.memory.bytes
          const shortfall = headNeeds ? memory : Math.max(0, used + memory - budget)
          // Behind a head that needs no memory, only idle containers make room: marking busy ones for every rare
          // activation behind a popular head evicted more than it sped up (figure 10b).
          const below = demandOf(waiter.request.key, now)
          const victims = shortfall > 0 && !mayEvictNow()
            ? undefined
            : evictFor(shortfall, now, below, headNeeds, reserved, Infinity, true)
          const placed = victims === undefined ? undefined : coldPlacement(waiter.request, now, victims)
          if (placed !== undefined) dequeue(waiter, placed)
          else reserved += shortfall
        }
      }
    }

    /** P9: places buffered activations, head first, until the head does not fit; then those that can bypass it. */
    const drain = (now: number) => {
      // The marks of the last pass are made again for the activations waiting now: one that left takes its back.
      for (const entry of entries) {
        if (entry.drainReason === "Evicted") {
          entry.draining = false
          entry.drainReason = undefined
        }
      }
      while (waiters.length > 0) {
        const waiter = nextWaiter()!
        const placement = tryPlace(waiter.request, now, waiter.since)
        if (placement === undefined) {
          head = waiter
          break
        }
        head = undefined
        dequeue(waiter, placement)
      }
      if (head !== undefined && mayBypass(now)) bypass(head, now)
      publishGauges()
    }

    const drainNow = Effect.clockWith((clock) => {
      drain(clock.unsafeCurrentTimeMillis())
      return Effect.void
    })

    /** Better than PF3 and PF9: while activations wait, the buffer's head is retried on a timer too, not only on events. */
    let retrying: Fiber.RuntimeFiber<void> | undefined
    const retryInterval = warmWaitMillis > 0
      ? Duration.min(Duration.decode(config.bufferRetryInterval), warmWait)
      : Duration.decode(config.bufferRetryInterval)
    const retryBuffer: Effect.Effect<void> = Effect.sleep(retryInterval).pipe(
      Effect.zipRight(drainNow),
      Effect.zipRight(Effect.suspend(() => {
        if (waiters.length > 0) return retryBuffer
        retrying = undefined
        return Effect.void
      }))
    )

    // ---- prewarming (P17) ----

    const startPrewarm = (cell: Cell): Effect.Effect<boolean> =>
      Effect.suspend(() => {
        const memory = cell.config.memory.bytes
        if (closed || used + memory > budget) return Effect.succeed(false)
        const entry = newEntry(cell.config.image, memory, "Starting", "Prewarmed")
        entry.cell = cell
        const started = factory.createScoped({ image: cell.config.image, userProvided: false, memory: cell.config.memory })
          .pipe(
            Scope.extend(entry.scope),
            // See the create in execute: a create ends inside the pool's books, so closing the pool removes it.
            Effect.uninterruptible,
            Effect.withSpan("ContainerPool.prewarm", { attributes: { image: cell.config.image } })
          )
        return started.pipe(
          Effect.matchEffect({
            onFailure: (error) =>
              Effect.gen(function*() {
                unbook(entry, "Failed")
                yield* destroy(entry)
                cell.failures++
                yield* Effect.logWarning(`A prewarm of ${cell.config.image} could not be started: ${error.message}`)
                // PF5: the failure is replaced at once, but only a bounded number of times in a row.
                if (cell.failures <= config.prewarmRetryLimit) yield* startPrewarm(cell)
                yield* drainNow
              }),
            onSuccess: (container) =>
              Effect.gen(function*() {
                if (entry.removed) return
                const now = yield* Clock.currentTimeMillis
                entry.container = container
                entry.state = "Prewarmed"
                entry.expires = cell.ttl === undefined ? undefined : now + Duration.toMillis(cell.ttl)
                cell.failures = 0
                addTo(prewarmed, cell.key, entry)
                yield* startProbing(entry)
                drain(now)
              })
          }),
          Effect.interruptible,
          Effect.forkIn(poolScope),
          Effect.as(true)
        )
      })

    const prewarmedCount = (cell: Cell) => {
      let count = 0
      for (const entry of entries) if (entry.cell === cell && (entry.state === "Starting" || entry.state === "Prewarmed")) count++
      return count
    }

    const topUp = (cell: Cell, desired: number) =>
      Effect.gen(function*() {
        for (let count = prewarmedCount(cell); count < desired; count++) {
          if (!(yield* startPrewarm(cell))) {
            yield* Effect.logWarning(`Cannot create a prewarm of ${cell.config.image}: not enough free memory (PT10)`)
            return
          }
        }
      })

    /** P17, the periodic check: expire, then top up to what the cold starts of the window ask for, then reset. */
    const checkPrewarms = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const expired: Array<Entry> = []
      for (const entry of entries) {
        if (entry.state === "Prewarmed" && entry.expires !== undefined && entry.expires <= now) expired.push(entry)
      }
      expired.sort(compareBy((entry) => entry.expires!))
      // PT49–PT51: oldest expiry first, at most the limit, whatever the minimum count.
      for (const entry of expired.slice(0, config.prewarmExpirationLimit)) {
        unbook(entry, "Expired")
        yield* destroy(entry)
      }
      for (const cell of cells.values()) {
        const reactive = cell.config.reactive
        const desired = reactive === undefined
          ? cell.config.initialCount
          : cell.coldStarts > 0
          ? Math.min(
            Math.max(reactive.minCount, Math.floor(cell.coldStarts / reactive.threshold) * reactive.increment),
            reactive.maxCount
          )
          : reactive.minCount
        cell.coldStarts = 0
        cell.failures = 0
        cell.unhealthy = 0
        yield* topUp(cell, desired)
      }
      yield* drainNow
    })

    // ---- the health check of started prewarms (PX10, PX32, PX38–PX40) ----

    const probePeriod = Duration.decode(config.healthCheck.period)
    const maxFails = config.healthCheck.maxFails

    /**
     * PX32: a prewarm that failed its probes is destroyed, and once it is gone (its memory is free only then, as for
     * any removal after its last use) the buffer is served first (P11), then a replacement starts, memory allowing.
     * OpenWhisk replaces every time; here a cell whose prewarms keep failing before any passes a probe is replaced at
     * most `prewarmRetryLimit` times in a row until the next check, as failed starts are (PF5).
     */
    const replaceUnhealthy = (entry: Entry): Effect.Effect<void> =>
      Effect.asVoid(Effect.forkIn(
        Effect.uninterruptible(Effect.gen(function*() {
          yield* destroy(entry)
          used -= entry.memory
          releasing -= entry.memory
          yield* drainNow
          const cell = entry.cell!
          cell.unhealthy++
          if (cell.unhealthy > config.prewarmRetryLimit) {
            return yield* Effect.logWarning(
              `${cell.unhealthy} prewarms of ${cell.config.image} in a row failed their health check: no more are started` +
                ` until a prewarm check (prewarmRetryLimit ${config.prewarmRetryLimit})`
            )
          }
          if (!(yield* startPrewarm(cell))) {
            yield* Effect.logWarning(`Cannot replace a prewarm of ${cell.config.image}: not enough free memory (PT10)`)
          }
        })),
        poolScope
      ))

    /**
     * PX10, PX38: a started stem cell is probed every period while it waits unused; a success resets its failures
     * (PX40), `maxFails` in a row remove it (PX39, PX32). The fiber is in the entry's scope, so removing the container
     * or closing the pool ends it, and taking the stem cell interrupts it: no probe runs once it is taken.
     */
    const probeLoop = (entry: Entry, container: Container.Container): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          yield* Effect.sleep(probePeriod)
          if (entry.removed || entry.state !== "Prewarmed") return
          const outcome = yield* Effect.either(
            container.probe({ timeout: probePeriod }).pipe(
              Effect.withSpan("ContainerPool.probe", { attributes: { container: container.id } })
            )
          )
          // Decided in one synchronous step, as placement is: a stem cell taken meanwhile is left alone.
          const verdict = yield* Effect.sync(() => {
            if (entry.removed || entry.state !== "Prewarmed") return "Taken" as const
            if (Either.isRight(outcome)) {
              entry.probeFailures = 0
              entry.cell!.unhealthy = 0
              return "Healthy" as const
            }
            entry.probeFailures++
            if (entry.probeFailures < maxFails) return "Failed" as const
            // Out of the books now (its memory comes free once it is gone); this fiber ends on its own.
            entry.probing = undefined
            unbook(entry, "HealthCheck", false)
            return "Removed" as const
          })
          if (verdict === "Taken") return
          if (verdict === "Healthy") continue
          const failure = Either.getLeft(outcome).pipe(Option.map((error) => error.message), Option.getOrElse(() => ""))
          if (verdict === "Failed") {
            yield* Effect.logInfo(
              `Health probe of prewarm ${container.id} failed (${entry.probeFailures}/${maxFails}): ${failure}`
            )
            continue
          }
          yield* Effect.logWarning(
            `Prewarm ${container.id} failed ${maxFails} health probes in a row, removing and replacing it: ${failure}`
          )
          return yield* replaceUnhealthy(entry)
        }
      })

    /** Starts the health check of a started stem cell when it is enabled (PX38: never when it is not). */
    const startProbing = (entry: Entry): Effect.Effect<void> =>
      Effect.suspend(() => {
        const container = entry.container
        if (!config.healthCheck.enabled || entry.removed || container === undefined || entry.probing !== undefined) {
          return Effect.void
        }
        entry.probeFailures = 0
        return Effect.map(
          Effect.forkIn(Effect.interruptible(probeLoop(entry, container)), entry.scope),
          (fiber) => {
            entry.probing = fiber
          }
        )
      })

    // ---- idle containers (P18: Ready, Pausing, Paused) ----

    /**
     * P18: one timer per idle container, started when its last activation ends and left running while it serves:
     * it sleeps until the pause grace after the latest release, suspends, then sleeps until the idle timeout after the
     * suspend, and removes it. It ends when it wakes to a busy container (the next release starts another). Placing an
     * activation used to interrupt the timer and releasing it to fork a new one: a fiber, a scope finalizer and a timer
     * per activation on a busy container, for a pause that never came.
     */
    const idleTimer = (entry: Entry): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          if (entry.removed) return
          if (entry.active > 0) {
            entry.timer = undefined
            return
          }
          const now = yield* Clock.currentTimeMillis
          if (!entry.suspended) {
            const due = entry.idleSince + pauseGraceMillis
            if (now < due) {
              yield* Effect.sleep(due - now)
              continue
            }
            const suspended = yield* entry.control.withPermits(1)(
              Effect.suspend(() => {
                if (entry.active > 0 || entry.removed || entry.container === undefined) return Effect.succeed(true)
                entry.pausing = true
                return entry.container.suspend.pipe(
                  Effect.as(true),
                  Effect.tap(() =>
                    Effect.flatMap(Clock.currentTimeMillis, (at) =>
                      Effect.sync(() => {
                        entry.suspended = true
                        entry.suspendedAt = at
                      }))
                  ),
                  Effect.catchAll((error) =>
                    Effect.as(Effect.logWarning(`Suspending container ${entry.container?.id} failed: ${error.message}`), false)
                  ),
                  Effect.withSpan("ContainerPool.suspend"),
                  // After `suspended` is set: an activation must never see neither flag while the container is frozen.
                  Effect.ensuring(Effect.sync(() => (entry.pausing = false)))
                )
              })
            ).pipe(Effect.uninterruptible)
            if (!suspended) {
              // T117: a container that could not be suspended is removed (by this fiber, which unbook must not interrupt).
              entry.timer = undefined
              if (unbook(entry, "Failed")) yield* destroy(entry)
              return yield* drainNow
            }
            continue
          }
          const due = Math.max(entry.suspendedAt, entry.idleSince) + idleTimeoutMillis
          if (now < due) {
            yield* Effect.sleep(due - now)
            continue
          }
          entry.timer = undefined
          if (unbook(entry, "Idle")) yield* destroy(entry)
          return yield* drainNow
        }
      })

    /**
     * An activation ended on `entry`: a container that may serve again waits for the next one (its pause timer
     * starts when it runs nothing); one that may not is destroyed when its last activation ends (P19).
     */
    const release = (entry: Entry, keep: boolean, reason: RemovalReason): Effect.Effect<void> =>
      // In one synchronous step but for the rare forks: this runs after every activation.
      Effect.uninterruptible(Effect.clockWith((clock) => {
        entry.active--
        if (!keep) entry.draining = true
        if (entry.draining && entry.active === 0) {
          // Off the caller's path: the memory is free once the entry is out of the books, and the activation's
          // record does not depend on the removal (OpenWhisk acknowledges before it destroys).
          if (unbook(entry, keep ? entry.drainReason ?? reason : reason, false)) return Effect.zipRight(discard(entry), drainNow)
        } else if (entry.active === 0 && !entry.removed && entry.state === "Warm") {
          entry.idleSince = clock.unsafeCurrentTimeMillis()
          // A fork inherits this region's uninterruptibility; the timer must stay interruptible by a removal.
          if (entry.timer === undefined) {
            return Effect.zipRight(
              Effect.map(Effect.forkIn(Effect.interruptible(idleTimer(entry)), poolScope), (fiber) => {
                entry.timer = fiber
              }),
              drainNow
            )
          }
        }
        drain(clock.unsafeCurrentTimeMillis())
        return Effect.void
      }))

    /** A placement its caller will not use (interrupted while it waited): it leaves no trace. */
    const abandon = (placement: Placement): Effect.Effect<void> =>
      Effect.gen(function*() {
        yield* Effect.forEach(placement.victims, destroy, { discard: true })
        const { entry } = placement
        if (placement.start === "Cold") {
          unbook(entry, "Interrupted")
          Deferred.unsafeDone(entry.initialized!, Exit.succeed(ActivationResponse.whiskError(Messages.abnormalRun)))
          yield* destroy(entry)
        } else if (placement.start === "Prewarmed" && placement.first) {
          // Back to a stem cell, as it was.
          deleteFrom(byKey, entry.key!, entry)
          Object.assign(entry, {
            state: "Prewarmed",
            action: undefined,
            invocationNamespace: undefined,
            key: undefined,
            initialized: undefined,
            active: 0,
            probeFailures: 0
          })
          addTo(prewarmed, entry.cell!.key, entry)
          yield* startProbing(entry)
        } else {
          return yield* release(entry, true, "Interrupted")
        }
        yield* drainNow
      })

    // ---- one activation ----

    const collectLogs = (
      container: Container.Container,
      action: Action.Resolved,
      response: ActivationResponse.ActivationResponse,
      filed: () => FileLogStore.Activation
    ) =>
      LogStore.collect(container.logLines, {
        limit: action.logLimit,
        isDeveloperError: response.isContainerError,
        sentinelledLogs: !action.blackbox,
        ...Option.match(fileLogStore, {
          onNone: () => ({}),
          onSome: (store) => ({ sink: (lines: ReadonlyArray<string>) => FileLogStore.sink(store, filed())(lines) })
        })
      }).pipe(
        // One step for the outcome where a map and two catches took three on every activation.
        Effect.match({
          onSuccess: (lines): { readonly lines: ReadonlyArray<string>; readonly failed: boolean } => ({ lines, failed: false }),
          // PX27, PX28: the partial lines and the failure line; the container is not reused.
          onFailure: (error) =>
            error._tag === "LogCollectingError"
              ? { lines: error.partialLogs, failed: true }
              : { lines: [Messages.logFailure], failed: true }
        }),
        stepSpan("ContainerPool.logs")
      )

    const initializer = (action: Action.Resolved, context: ActivationContext.ActivationContext) => ({
      name: action.name,
      binary: action.action.binary ?? false,
      main: action.action.main ?? "main",
      ...(action.action.code === undefined ? {} : { code: action.action.code }),
      env: { ...action.action.environment, ...ActivationContext.initEnvironment(context) }
    })

    /** Create (cold), init (first), resume (after a pause), run, logs: the activation's steps on its placement. */
    const execute = (
      placement: Placement,
      request: Request,
      parameters: unknown,
      options: ContainerPool.InvokeOptions,
      wait: number,
      rescheduled: boolean,
      lease: Lease
    ): Effect.Effect<ContainerPool.Activation | typeof Reschedule> =>
      Effect.gen(function*() {
        const { action } = request
        const { entry } = placement
        const finish = (keep: boolean, reason: RemovalReason) => {
          lease.released = true
          return release(entry, keep, reason)
        }
        const timings: { -readonly [K in keyof ContainerPool.Timings]: ContainerPool.Timings[K] } = { wait }
        const context = yield* ActivationContext.make(action.name, action.timeout, {
          namespace: action.namespace,
          version: action.version,
          ...(options.activationId === undefined ? {} : { activationId: options.activationId }),
          ...(options.transactionId === undefined ? {} : { transactionId: options.transactionId })
        })
        const record = (
          response: ActivationResponse.ActivationResponse,
          logs: ReadonlyArray<string> = []
        ): ContainerPool.Activation => ({
          activationId: context.activationId,
          transactionId: context.transactionId,
          action: context.actionName,
          start: placement.start,
          response,
          logs,
          ...(entry.container === undefined ? {} : { containerId: entry.container.id }),
          timings,
          rescheduled
        })
        const filed = (response: ActivationResponse.ActivationResponse) => (): FileLogStore.Activation => ({
          activationId: context.activationId,
          action: context.actionName,
          namespace: context.namespace,
          record: record(response)
        })
        /** The first activation's init ended: activations that joined the container meanwhile go on or fail alike. */
        const settle = (outcome: InitOutcome) => Deferred.unsafeDone(entry.initialized!, Exit.succeed(outcome))

        // The containers alive never hold more than the budget: the create waits for the victims to be gone.
        if (placement.victims.length > 0) yield* Effect.forEach(placement.victims, destroy, { discard: true })
        PoolMetrics.starts.unsafeUpdate(1, startLabels[placement.start])

        if (placement.first) {
          if (placement.start === "Prewarmed" && entry.cell !== undefined) {
            // P4: one replacement for the stem cell taken, memory allowing.
            yield* startPrewarm(entry.cell)
          }
          if (entry.container === undefined) {
            let alongside = 0
            const [took, created] = yield* timed(
              Effect.suspend(() => {
                alongside = creatingNow()
                return factory.createScoped({
                  image: action.image,
                  userProvided: action.blackbox,
                  memory: action.memory
                })
              }).pipe(
                Scope.extend(entry.scope),
                // An interrupted create may leave its removal to a background fiber of the backend, which could outlive
                // the pool's Scope; a create that ends is destroyed with the entry's Scope, before the pool closes.
                Effect.uninterruptible,
                Effect.withSpan("ContainerPool.create", hot)
              )
            )
            timings.create = took
            if (Either.isRight(created)) observeCreate(alongside, took)
            if (Either.isLeft(created)) {
              // PX24: a whisk (or, for a user's image, developer) error; nothing to destroy.
              const response = ActivationResponse.fromStartupError(created.left)
              settle(response)
              yield* finish(false, "Failed")
              return record(response)
            }
            entry.container = created.right
          }
          entry.state = "Initializing"
          const container = entry.container
          const [took, initialized] = yield* timed(
            container.initialize(initializer(action, context), {
              timeout: action.timeout,
              maxConcurrent: action.maxConcurrent
            }).pipe(Effect.withSpan("ContainerPool.init", hot))
          )
          timings.init = took
          if (Either.isLeft(initialized)) {
            const failure: Container.InitializeError = initialized.left
            if (failure._tag === "InitializationError") {
              // PX25: a developer error with its logs; the container is never initialised again.
              const [logsTook, logs] = yield* timedPlain(collectLogs(container, action, failure.response, filed(failure.response)))
              timings.logs = logsTook
              settle(failure.response)
              yield* finish(false, "Failed")
              return record(failure.response, logs.lines)
            }
            // Better than PF11: a 503 or a lost container at init fails the activation with a whisk error.
            const response = ActivationResponse.whiskError(failure.message)
            settle(response)
            yield* finish(false, "Failed")
            return record(response)
          }
          entry.state = "Warm"
          settle(undefined)
          if (placement.start === "Cold") {
            const took = (timings.create ?? 0) + (timings.init ?? 0)
            coldStartMillis = coldStartMillis === 0 ? took : 0.8 * coldStartMillis + 0.2 * took
          }
        } else if (entry.state !== "Warm") {
          const outcome = yield* Deferred.await(entry.initialized!)
          if (outcome !== undefined) {
            // PX18, PX20: the init that this activation waited for failed; it fails alike.
            yield* finish(false, "Failed")
            return record(outcome)
          }
        }

        const container = entry.container!
        const warmStart = placement.start === "Warm"
        lease.touched = true
        // Only a container suspended or being suspended needs the lock: the pause timer decides and sets `pausing` in
        // one synchronous step after this activation's placement made it busy, or before it, never in between.
        if (warmStart && (entry.suspended || entry.pausing)) {
          const resumed = yield* entry.control.withPermits(1)(
            Effect.suspend(() => {
              if (!entry.suspended) return Effect.succeed(Either.right(undefined))
              return Effect.map(timed(container.resume.pipe(Effect.withSpan("ContainerPool.resume", hot))), ([took, outcome]) => {
                timings.resume = took
                if (Either.isRight(outcome)) entry.suspended = false
                return outcome
              })
            })
          )
          if (Either.isLeft(resumed)) {
            // T114: the job goes to another container, once.
            yield* finish(false, "Unhealthy")
            if (!rescheduled) return Reschedule
            return record(ActivationResponse.whiskError(resumed.left.message))
          }
        }

        const [runTook, ran] = yield* timed(
          container.run(parameters, ActivationContext.runFields(context), {
            timeout: action.timeout,
            maxConcurrent: action.maxConcurrent,
            ...(action.action.maxResponse === undefined ? {} : { maxResponse: action.action.maxResponse }),
            // B20: a connection failure on a container that ran before is a health error, and the job moves.
            reschedule: warmStart,
            // Without a collection to come (PX8), the container's next /run must not wait for one (LogsGate).
            logsCollected: action.logLimit.bytes > 0
          }).pipe(stepSpan("ContainerPool.run"))
        )
        timings.run = runTook
        if (Either.isLeft(ran)) {
          const failure = ran.left
          if (failure._tag === "InvalidPayload") {
            // The caller's parameters, not the container: nothing was sent, so the container stays.
            yield* finish(true, "Failed")
            return record(ActivationResponse.developerError(failure.message))
          }
          yield* finish(false, "Unhealthy")
          // T115, T116: the first run after Ready or Paused failed its connection or answered 503.
          if (failure._tag === "ContainerHealthError" && warmStart && !rescheduled) return Reschedule
          return record(ActivationResponse.whiskError(failure.message))
        }
        const response = ran.right.response
        let logs: ReadonlyArray<string> = []
        let logsFailed = false
        if (action.logLimit.bytes > 0) {
          const [logsTook, collected] = yield* timedPlain(collectLogs(container, action, response, filed(response)))
          timings.logs = logsTook
          logs = collected.lines
          logsFailed = collected.failed
        }
        // PX23, PX26: a success or an application error keeps the container; anything else destroys it.
        const keep = !logsFailed && (response.isSuccess || response.isApplicationError)
        yield* finish(keep, "Failed")
        return record(response, logs)
      })

    /** Places the request, waiting in the buffer when nothing fits (P1, P7); interrupting the wait leaves no trace. */
    const place = (request: Request): Effect.Effect<Placement, PoolError> =>
      // Synchronous up to the wait, in one step of the runtime: a generator took several on every activation.
      Effect.clockWith((clock): Effect.Effect<Placement, PoolError> => {
        const now = clock.unsafeCurrentTimeMillis()
        if (closed) return Effect.fail(new PoolError({ reason: "Closed", action: request.action.name }))
        demanded(request, now)
        const placement = waiters.length === 0
          ? tryPlace(request, now, now)
          : mayBypass(now)
          ? tryWarm(request, now)
          : undefined
        if (placement !== undefined) {
          publishGauges()
          return Effect.succeed(placement)
        }
        if (waiters.length >= config.bufferCapacity) {
          return Effect.fail(
            new PoolError({
              reason: "BufferFull",
              action: `/${request.action.namespace}/${request.action.name}`,
              limit: config.bufferCapacity
            })
          )
        }
        const waiter: Waiter = { seq: waiterSeq++, since: now, request, placed: OneShot.make() }
        waiters.push(waiter)
        // Behind a head that waits, it may start a cold start of its own now (see bypass), not at the next event.
        if (waiters.length > 1) {
          // The one served next (nextWaiter), not pinned here: when that is this one, it may be placed as the head
          // would be; behind another, it may go before it as drain lets others (bypass).
          const first = head ?? nextWaiter()!
          if (first === waiter) {
            const placed = tryPlace(request, now, now)
            if (placed !== undefined) dequeue(waiter, placed)
          } else if (mayBypass(now, first)) bypass(first, now)
        }
        publishGauges()
        const wait = Effect.uninterruptibleMask((restore) =>
          restore(OneShot.wait(waiter.placed)).pipe(
            Effect.onInterrupt(() =>
              Effect.suspend(() => {
                if (waiters.includes(waiter)) {
                  waiters = waiters.filter((other) => other !== waiter)
                  if (head === waiter) head = undefined
                  return drainNow
                }
                const exit = waiter.placed.exit
                return exit !== undefined && Exit.isSuccess(exit) ? abandon(exit.value) : Effect.void
              })
            ),
            stepSpan("ContainerPool.wait")
          )
        )
        if (retrying !== undefined) return wait
        return Effect.zipRight(
          Effect.map(Effect.forkIn(Effect.interruptible(retryBuffer), poolScope), (fiber) => {
            retrying = fiber
          }),
          wait
        )
      })

    const invokeOnce = (
      request: Request,
      parameters: unknown,
      options: ContainerPool.InvokeOptions,
      rescheduled: boolean
    ): Effect.Effect<ContainerPool.Activation | typeof Reschedule, PoolError> =>
      // A chain, not a generator: this runs for every activation.
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(timedPlain(restore(place(request))), ([waitTook, placement]) => {
          const lease: Lease = { released: false, touched: placement.first }
          const interrupted = Effect.suspend(() => {
            if (lease.released) return Effect.void
            const { entry } = placement
            if (placement.first && entry.initialized !== undefined) {
              Deferred.unsafeDone(entry.initialized, Exit.succeed(ActivationResponse.whiskError(Messages.abnormalRun)))
            }
            // Interrupted while its container was being created, initialised, resumed or run: the container's state
            // is unknown, so it goes; interrupted while it only waited for another activation's init, it stays.
            return release(placement.entry, !lease.touched, "Interrupted")
          })
          // As `Effect.onInterrupt`, without the mask it adds: this region is uninterruptible already.
          return Effect.catchAllCause(
            restore(execute(placement, request, parameters, options, waitTook, rescheduled, lease)),
            (cause) => Cause.isInterruptedOnly(cause) ? Effect.zipRight(interrupted, Effect.failCause(cause)) : Effect.failCause(cause)
          )
        })
      )

    const invoke = (
      action: Action.Action,
      parameters: unknown,
      options: ContainerPool.InvokeOptions = {}
    ): Effect.Effect<ContainerPool.Activation, PoolError> =>
      Effect.suspend(() => {
        // Before resolving: that decodes the timeout, which throws on a text that is no duration.
        const problems = validation.checkAction(action)
        if (problems.length > 0) {
          return Effect.fail(
            new PoolError({ reason: "InvalidAction", action: validation.qualifiedName(action), problems })
          )
        }
        const resolved = Action.resolve(action)
        const invocationNamespace = options.invocationNamespace ?? resolved.namespace
        const request: Request = { action: resolved, invocationNamespace, key: requestKey(resolved, invocationNamespace) }
        const qualified = `/${resolved.namespace}/${resolved.name}`
        if (resolved.memory.bytes > budget) {
          return Effect.fail(new PoolError({ reason: "TooLarge", action: qualified, memory: resolved.memory, limit: budget }))
        }
        if (closed) return Effect.fail(new PoolError({ reason: "Closed", action: qualified }))
        invoking++
        const run = Effect.flatMap(invokeOnce(request, parameters, options, false), (first) =>
          first === Reschedule
            ? Effect.flatMap(invokeOnce(request, parameters, options, true), (second) =>
              second === Reschedule
                ? Effect.die(new Error("a rescheduled activation is never rescheduled again"))
                : Effect.succeed(second))
            : Effect.succeed(first))
        // The activation runs in a fiber of its own, which closing the pool interrupts; its caller then fails with
        // Closed. One fork and an await: a race against a closing signal forked two fibers per activation and waited
        // for the loser's interruption, a third of a warm activation's own cost (figure 9). Not a join: the fiber
        // changes no FiberRef its caller should see, and a join diffs and merges all of them back.
        let fiber: Fiber.RuntimeFiber<ContainerPool.Activation, PoolError> | undefined
        return Effect.flatMap(Effect.fork(run), (forked) => {
          fiber = forked
          running.add(forked)
          // The outcome is decided in the await's continuation: a catch around it added a step to every activation.
          return Effect.flatMap(Fiber.await(forked), (exit) =>
            Exit.isFailure(exit) && closed && Cause.isInterruptedOnly(exit.cause)
              ? Effect.fail(new PoolError({ reason: "Closed", action: qualified }))
              : exit).pipe(
              Effect.onInterrupt(() => Fiber.interrupt(forked))
            )
        }).pipe(
          Effect.ensuring(Effect.sync(() => {
            if (fiber !== undefined) running.delete(fiber)
            invoking--
            if (closed && invoking === 0) Deferred.unsafeDone(drained, Exit.void)
          })),
          withStepSpan("ContainerPool.invoke", { attributes: { action: qualified }, captureStackTrace: false })
        )
      })

    const snapshot = Effect.sync((): ContainerPool.Snapshot => ({
      userMemory: config.userMemory,
      memoryInUse: ByteSize.bytes(used),
      buffered: waiters.length,
      containers: [...entries].map((entry): ContainerPool.ContainerInfo => ({
        ...(entry.container === undefined ? {} : { containerId: entry.container.id }),
        state: entry.state,
        image: entry.image,
        memory: ByteSize.bytes(entry.memory),
        ...(entry.action === undefined ? {} : { action: `/${entry.action.namespace}/${entry.action.name}` }),
        ...(entry.invocationNamespace === undefined ? {} : { invocationNamespace: entry.invocationNamespace }),
        active: entry.active,
        suspended: entry.suspended,
        lastUsed: entry.lastUsed,
        ...(entry.expires === undefined ? {} : { expires: entry.expires }),
        ...(entry.probing === undefined || entry.state !== "Prewarmed" ? {} : { probeFailures: entry.probeFailures })
      }))
    }))

    yield* Scope.addFinalizer(
      outer,
      Effect.gen(function*() {
        closed = true
        for (const waiter of waiters) {
          OneShot.unsafeDone(
            waiter.placed,
            Exit.fail(new PoolError({ reason: "Closed", action: `/${waiter.request.action.namespace}/${waiter.request.action.name}` }))
          )
        }
        waiters = []
        head = undefined
        const closer = yield* Effect.fiberId
        for (const fiber of running) fiber.unsafeInterruptAsFork(closer)
        if (invoking > 0) yield* Deferred.await(drained)
        for (const entry of entries) unbook(entry, "Closed")
        yield* Scope.close(poolScope, Exit.void)
        publishGauges()
      })
    )

    // PT11: the initial prewarms, in configuration order, memory allowing (PT10).
    for (const cell of cells.values()) yield* topUp(cell, cell.config.initialCount)
    if ([...cells.values()].some((cell) => cell.config.reactive !== undefined)) {
      yield* Effect.forkIn(
        Effect.repeat(checkPrewarms, Schedule.spaced(config.prewarmCheckInterval)).pipe(
          Effect.delay(config.prewarmCheckInterval)
        ),
        poolScope
      )
    }
    publishGauges()
    return { invoke, snapshot }
  })
