/**
 * Creates action containers from a backend-neutral request. `DockerContainer.layer` in `@effect-whisk/docker`
 * provides the live factory on a Docker engine; `layerTest` here is an in-memory one that needs nothing else:
 * scripted /init and /run answers, health probes and activation logs per container, every call recorded, the state
 * observable.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Scope } from "effect"
import type { ByteSize } from "./ByteSize.js"
import type { Container } from "./Container.js"
import * as ContainerResponse from "./ContainerResponse.js"
import type * as ConnectionFailure from "./ConnectionFailure.js"
import type { ContainerId } from "./ContainerId.js"
import type * as Errors from "./Errors.js"
import type { CallLog } from "./internal/callLog.js"
import * as internal from "./internal/testContainer.js"
import type * as LogLine from "./LogLine.js"

/**
 * What any backend creates a container from. Backend-only settings (a Docker network, DNS, the freezer) are the
 * backend's own create options.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateRequest {
  /** An image reference such as `node:20` or `127.0.0.1:5000/team/action:v1`. */
  readonly image: string
  /** A user-provided (blackbox) image follows the pull rules of B6; a platform image is never pulled. */
  readonly userProvided: boolean
  /** Default `ContainerSpec.defaultMemory` (256 MB); at least the engine's minimum (6 MiB for Docker). */
  readonly memory?: ByteSize
  /** Default: derived from memory and the configured user memory (B4). */
  readonly cpuShares?: number
  /** At most this many cpus: finite and above 0. Default: derived from memory and the configured user cpus, when set (B4). */
  readonly cpuLimit?: number
  /** The container's environment at create. */
  readonly environment?: Readonly<Record<string, string>>
  /** Default: `<prefix>_<unique>`. A given name gets the configured prefix too, so cleanup finds it. */
  readonly name?: string
  readonly labels?: Readonly<Record<string, string>>
}

/**
 * @since 0.1.0
 * @category errors
 */
export type CreateError =
  | Errors.WhiskContainerStartupError
  | Errors.BlackboxStartupError
  | Errors.InvalidImageName
  | Errors.InvalidEnvironment
  | Errors.InvalidResources

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Creates and starts a container. The caller owns it and must `destroy` it; prefer `createScoped`. */
  readonly create: (request: CreateRequest) => Effect.Effect<Container, CreateError>
  /** Creates a container that is destroyed when the Scope closes, whatever happened. */
  readonly createScoped: (request: CreateRequest) => Effect.Effect<Container, CreateError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ContainerFactory extends Context.Tag("@effect-whisk/core/ContainerFactory")<ContainerFactory, Service>() {}

/**
 * @since 0.1.0
 * @category accessors
 */
export const create = (request: CreateRequest): Effect.Effect<Container, CreateError, ContainerFactory> =>
  Effect.flatMap(ContainerFactory, (factory) => factory.create(request))

/**
 * @since 0.1.0
 * @category accessors
 */
export const createScoped = (
  request: CreateRequest
): Effect.Effect<Container, CreateError, ContainerFactory | Scope.Scope> =>
  Effect.flatMap(ContainerFactory, (factory) => factory.createScoped(request))

/**
 * A factory from its create alone: `createScoped` destroys the container when the Scope closes (a container that
 * was destroyed already is left alone; a failed destroy is logged).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (create: Service["create"]): Service => ({
  create,
  createScoped: (request) =>
    Effect.acquireRelease(create(request), (container) =>
      container.destroy.pipe(
        Effect.catchTag("ContainerDestroyed", () => Effect.void),
        Effect.catchAll((error) => Effect.logWarning(`Could not destroy ${container.id}: ${error.message}`))
      ))
})

/**
 * The calls a test ContainerFactory received: `create(request, index)`, and for each container `initialize(id,
 * initializer, options)`, `run(id, parameters, activation, options)`, `suspend(id)`, `resume(id)`, `destroy(id)`,
 * `logs(id, options)`, `logLines(id, options)` and `probe(id, options)`.
 *
 * @since 0.1.0
 * @category testing
 */
export class ContainerFactoryCalls extends Context.Tag("@effect-whisk/core/ContainerFactory/Calls")<
  ContainerFactoryCalls,
  CallLog
>() {}

/**
 * One /init or /run a test container received.
 *
 * @since 0.1.0
 * @category testing
 */
export interface TestCall {
  readonly containerId: ContainerId
  /** What the container was created from. */
  readonly request: CreateRequest
  /** The body the action would receive: `{value: initializer}`, or `{value: parameters, ...activation}`. */
  readonly body: unknown
}

/**
 * How a test container answers one call.
 *
 * @since 0.1.0
 * @category testing
 */
export interface TestAnswer {
  /** The action's answer, or how the connection failed (MemoryExhausted for an action killed for its memory). */
  readonly response: ContainerResponse.ContainerResponse | ConnectionFailure.ConnectionFailure
  /** The lines the action writes while it answers. */
  readonly logs?: ReadonlyArray<LogLine.Written>
  /** Whether the runtime writes its sentinels after the lines; by default after /run, not after /init. */
  readonly sentinels?: boolean
  /** How long the call takes (the interval's length; the Clock is not moved). Default 1. */
  readonly millis?: number
}

/**
 * An answer with this status and body (a string as it is, anything else as JSON), and the lines the action writes.
 *
 * @since 0.1.0
 * @category testing
 */
export const answer = (
  status: number,
  body: unknown,
  logs: ReadonlyArray<LogLine.Written> = []
): TestAnswer => ({
  response: ContainerResponse.make(status, typeof body === "string" ? body : JSON.stringify(body)),
  logs
})

/**
 * One health probe a test container received.
 *
 * @since 0.1.0
 * @category testing
 */
export interface TestProbe {
  readonly containerId: ContainerId
  /** What the container was created from. */
  readonly request: CreateRequest
}

/**
 * @since 0.1.0
 * @category testing
 */
export interface TestOptions {
  /** Decides each create (the index counts creates from 0); fail it to script a startup error. */
  readonly create?: (request: CreateRequest, index: number) => Effect.Effect<void, CreateError>
  /** Answers /init. Default: `200 {"OK":true}`. */
  readonly init?: (call: TestCall) => Effect.Effect<TestAnswer>
  /** Answers /run. Default: `200 {}` with no lines (and the sentinels). */
  readonly run?: (call: TestCall) => Effect.Effect<TestAnswer>
  /**
   * Answers each health probe of a container that is not destroyed, suspended ones too (a frozen container's kernel
   * accepts connections). Default: a success. Fail it with `Errors.ProbeError` for an unhealthy container; one that
   * takes longer than the probe's timeout fails with ProbeError Timeout.
   */
  readonly probe?: (probe: TestProbe) => Effect.Effect<void, Errors.ProbeError>
}

/**
 * An in-memory ContainerFactory that needs nothing else. Containers are `test-container-1`, `-2`, …; /init and
 * /run are answered by the script and interpreted as a Docker container interprets them (time limits, 503, the
 * developer and application errors); the lines of each answer, with their sentinels, are the container's log, read
 * by `logs` and `logLines` one activation at a time; with maxConcurrent 1 a /run waits for the previous activation's
 * collection as a Docker container does (LogsGate); a call to a suspended container times out; a health probe
 * succeeds unless the script says otherwise; suspend, resume and destroy change the state. Every call is recorded in `ContainerFactoryCalls`. Build it fresh for each test.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (options: TestOptions = {}): Layer.Layer<ContainerFactory | ContainerFactoryCalls> =>
  Layer.effectContext(
    Effect.map(internal.make(options), ({ create, log }) =>
      Context.make(ContainerFactory, make(create)).pipe(Context.add(ContainerFactoryCalls, log)))
  )
