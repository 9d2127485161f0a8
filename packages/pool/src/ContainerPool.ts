/**
 * OpenWhisk's invoker `ContainerPool` and `ContainerProxy` as one Effect service over any `ContainerFactory`:
 * `invoke` places an activation on a warm container of the same action, a prewarmed one, a new one, or one made
 * room for by evicting idle containers, or waits in a bounded buffer (P1–P16); it runs /init once per container,
 * /run, and collects the logs; containers are suspended after a pause grace, removed when idle, and destroyed after
 * a failure (P18, P19); started prewarms can be health-checked (PX10). Closing the pool's Scope removes every
 * container it made.
 *
 * @since 0.1.0
 */
import { type ActivationResponse, ByteSize, type ContainerFactory } from "@effect-whisk/core"
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import type * as Action from "./Action.js"
import * as internal from "./internal/pool.js"
import * as validation from "./internal/validation.js"
import { type PoolError, PoolConfigError } from "./PoolError.js"

/**
 * How an activation's container started: a warm container of its action, a prewarmed stem cell it initialised,
 * or a container created for it.
 *
 * @since 0.1.0
 * @category models
 */
export type StartKind = "Warm" | "Prewarmed" | "Cold"

/**
 * How long each step took, in milliseconds on the Clock. Steps that did not happen are absent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timings {
  /** From `invoke` to a container placed for it (the buffer included). */
  readonly wait: number
  readonly create?: number
  readonly resume?: number
  readonly init?: number
  readonly run?: number
  readonly logs?: number
}

/**
 * The record of one activation, however it ended: a failed create, init or run is in `response`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Activation {
  readonly activationId: string
  readonly transactionId: string
  /** Fully qualified: `/guest/hello`. */
  readonly action: string
  readonly start: StartKind
  readonly response: ActivationResponse.ActivationResponse
  /** Formatted, as an activation record keeps them (B30); empty with a log limit of 0. */
  readonly logs: ReadonlyArray<string>
  /** The container that ran it; absent when none could be created. */
  readonly containerId?: string
  readonly timings: Timings
  /** The first container proved unhealthy after a pause (T114–T116) and the activation was placed again. */
  readonly rescheduled: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions {
  /** The caller's namespace: containers are shared only within one (P2, PT7, PT23). Default: the action's. */
  readonly invocationNamespace?: string
  /** Default: a fresh id. */
  readonly activationId?: string
  /** Default: a fresh id. */
  readonly transactionId?: string
}

/**
 * Reactive prewarming (P17): the count follows the cold starts of the last check interval, between `minCount` and
 * `maxCount`, and each prewarm expires `ttl` after it started.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReactivePrewarm {
  readonly minCount: number
  readonly maxCount: number
  readonly ttl: Duration.DurationInput
  /** Cold starts per `increment` more prewarms. */
  readonly threshold: number
  readonly increment: number
}

/**
 * Stem cells of one image and memory (P17; OpenWhisk's `stemCells` of a runtime kind).
 *
 * @since 0.1.0
 * @category models
 */
export interface StemCell {
  readonly image: string
  readonly memory: ByteSize.ByteSize
  /** Started with the pool, memory allowing (PT10, PT11). */
  readonly initialCount: number
  readonly reactive?: ReactivePrewarm
}

/**
 * The health check of stem cells (PX10; OpenWhisk's `container-proxy.action-health-check`, off by default there too):
 * while a started prewarm waits unused, it is probed every `period` (a TCP connection to its action port, closed at
 * once); a success resets the count of failures, and `maxFails` failures in a row remove it and start a replacement.
 * Probing stops when the prewarm is taken for an activation; warm containers are never probed (as OpenWhisk v1, PF16).
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheck {
  readonly enabled: boolean
  /** From the prewarm's start to its first probe, and between two probes; also each probe's timeout (`check-period`). */
  readonly period: Duration.DurationInput
  /** Failed probes in a row that remove the prewarm (`max-fails`). */
  readonly maxFails: number
}

/**
 * The pool's settings. `make` checks every field before the pool starts (the ranges are in the package README's
 * Configuration): a duration is 0 or more, and at least 1 ms for a timer that repeats (`bufferRetryInterval`,
 * `prewarmCheckInterval`, `healthCheck.period`); counts are whole numbers; sizes are whole bytes of at least 1.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** The memory every container of the pool may reserve together (`container-pool.user-memory`). */
  readonly userMemory: ByteSize.ByteSize
  /**
   * An idle container is suspended after this long (`container-proxy.timeouts.pause-grace`); 0 at once, Infinity
   * never.
   */
  readonly pauseGrace: Duration.DurationInput
  /** A suspended container is removed after this long (`container-proxy.timeouts.idle-container`); Infinity never. */
  readonly idleTimeout: Duration.DurationInput
  /** Activations that may wait for a container; one more fails with PoolError BufferFull (0: none waits). */
  readonly bufferCapacity: number
  /** The buffer's head is retried this often as well as on every release (better than PF3). */
  readonly bufferRetryInterval: Duration.DurationInput
  /**
   * When the memory is full and the action has a busy container, how long at least an activation waits for that
   * container before idle containers of other actions are evicted to start another one; at least as long as the
   * pool's recent cold starts took, since a new container would not be ready sooner (0 and no cold start measured
   * yet: at once, as OpenWhisk, P6). Under pressure, an idle container of a more demanded action is also spared from
   * eviction by an action without a container until it has been idle this long (or a recent cold start's time).
   */
  readonly warmWait: Duration.DurationInput
  /**
   * While the buffer's head has waited less than this, activations behind it may take a free slot of a warm
   * container of their own action; after it, the order is strict until the head is placed (P1).
   */
  readonly bypassWindow: Duration.DurationInput
  readonly stemCells: ReadonlyArray<StemCell>
  /** How often reactive prewarms expire and are topped up, and the window of the cold-start count. */
  readonly prewarmCheckInterval: Duration.DurationInput
  /** Prewarms expired per check at most (`prewarm-expiration-limit`). */
  readonly prewarmExpirationLimit: number
  /**
   * Consecutive failed starts of a stem cell after which it is not started again until the next check (PF5); the same
   * bound holds for prewarms of a cell removed by the health check in a row.
   */
  readonly prewarmRetryLimit: number
  /** Probing started prewarms (PX10): off by default, as OpenWhisk's. */
  readonly healthCheck: HealthCheck
}

/**
 * What `make` and `layer` take: any part of the Config, and any part of its health check, over the defaults.
 *
 * @since 0.1.0
 * @category models
 */
export type Overrides = Partial<Omit<Config, "healthCheck">> & { readonly healthCheck?: Partial<HealthCheck> }

/**
 * OpenWhisk's defaults (P20), the health check's too (off; every 3 s; 3 failures); a buffer of 10,000 retried every
 * second; an activation waits up to 500 ms for its own busy container before evicting, and may go before a buffer
 * head that waited less than 1 s.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Config = {
  userMemory: ByteSize.megabytes(1024),
  pauseGrace: Duration.seconds(10),
  idleTimeout: Duration.minutes(10),
  bufferCapacity: 10_000,
  bufferRetryInterval: Duration.seconds(1),
  warmWait: Duration.millis(500),
  bypassWindow: Duration.seconds(1),
  stemCells: [],
  prewarmCheckInterval: Duration.minutes(10),
  prewarmExpirationLimit: 100,
  prewarmRetryLimit: 5,
  healthCheck: { enabled: false, period: Duration.seconds(3), maxFails: 3 }
}

/**
 * One container as a tool sees it. `Starting` and `Prewarmed` are stem cells; `Creating` and `Initializing` are
 * being prepared for their first activation; `Warm` ones are initialised for `action`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerInfo {
  readonly containerId?: string
  readonly state: "Starting" | "Prewarmed" | "Creating" | "Initializing" | "Warm"
  readonly image: string
  readonly memory: ByteSize.ByteSize
  readonly action?: string
  readonly invocationNamespace?: string
  /** Activations running in it now. */
  readonly active: number
  readonly suspended: boolean
  /** Epoch milliseconds of its last placement. */
  readonly lastUsed: number
  /** Epoch milliseconds when a reactive prewarm expires. */
  readonly expires?: number
  /**
   * A started stem cell's failed health probes in a row (PX39, PX40): present only while the health check probes it
   * (`Prewarmed` with `healthCheck.enabled`); 0 after a success; at `maxFails` it is removed, so it never shows that.
   */
  readonly probeFailures?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly userMemory: ByteSize.ByteSize
  readonly memoryInUse: ByteSize.ByteSize
  /** Activations waiting in the buffer. */
  readonly buffered: number
  readonly containers: ReadonlyArray<ContainerInfo>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Runs one activation of `action` with `parameters` and gives its record. Fails only when the activation could
   * not be run at all (PoolError); interrupting it while it waits leaves no trace, while it runs removes its
   * container (whose state is then unknown).
   */
  readonly invoke: (
    action: Action.Action,
    parameters: unknown,
    options?: InvokeOptions
  ) => Effect.Effect<Activation, PoolError>
  /** The pool now: its memory, its buffer and each container. */
  readonly snapshot: Effect.Effect<Snapshot>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ContainerPool extends Context.Tag("@effect-whisk/pool/ContainerPool")<ContainerPool, Service>() {}

/**
 * A pool over the ContainerFactory, with `config` over the defaults (a field given as `undefined` keeps its default).
 * The whole configuration is checked first: when any value is out of range (see the package README), it fails with a
 * PoolConfigError that lists every such field, its value and what is allowed, and nothing is started. Otherwise it
 * starts the initial prewarms at once; closing the Scope fails the waiting callers and the running ones with PoolError
 * Closed, then removes every container.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  config?: Overrides
) => Effect.Effect<Service, PoolConfigError, ContainerFactory.ContainerFactory | Scope.Scope> = (config = {}) =>
  Effect.suspend(() => {
    const checked = validation.config(defaults, config)
    return checked.problems.length > 0
      ? Effect.fail(new PoolConfigError({ problems: checked.problems }))
      : internal.make(checked.config)
  })

/**
 * The pool as a scoped layer: building it fails with PoolConfigError when the configuration is invalid (see `make`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Overrides = {}
): Layer.Layer<ContainerPool, PoolConfigError, ContainerFactory.ContainerFactory> =>
  Layer.scoped(ContainerPool, make(config))

/**
 * @since 0.1.0
 * @category accessors
 */
export const invoke = (
  action: Action.Action,
  parameters: unknown,
  options?: InvokeOptions
): Effect.Effect<Activation, PoolError, ContainerPool> =>
  Effect.flatMap(ContainerPool, (pool) => pool.invoke(action, parameters, options))

/**
 * @since 0.1.0
 * @category accessors
 */
export const snapshot: Effect.Effect<Snapshot, never, ContainerPool> = Effect.flatMap(ContainerPool, (pool) => pool.snapshot)
