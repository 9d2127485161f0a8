/**
 * An action container on a Docker engine, the Docker implementation of core's `Container`: create (with OpenWhisk's
 * pull rules), /init and /run over HTTP with OOM detection, suspend and resume, per-activation logs, a health probe,
 * destroy. Every operation is an Effect with a typed error; the services it needs are captured when the container is
 * created. `layer` provides core's `ContainerFactory` with it. The implementation is `internal/dockerContainer.ts`,
 * its HTTP client `internal/actionClient.ts`, how it freezes `internal/freezing.ts`.
 *
 * @since 0.1.0
 */
import type {
  ActionHttpConfig,
  Container,
  ContainerConfig,
  ContainerFactory,
  ContainerHttp,
  DockerEngine,
  Errors,
  Freezer,
  Interval,
  LogsConfig,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import type { Effect, Layer, Scope, Stream } from "effect"
import * as internal from "./internal/dockerContainer.js"

/**
 * @since 0.1.0
 * @category models
 */
export type InitializeOptions = Container.InitializeOptions

/**
 * @since 0.1.0
 * @category models
 */
export type RunOptions = Container.RunOptions

/**
 * @since 0.1.0
 * @category models
 */
export type LogsOptions = Container.LogsOptions

/**
 * @since 0.1.0
 * @category models
 */
export type RunOutcome = Container.RunOutcome

/**
 * A Container on a Docker engine, with the errors its operations can have there.
 *
 * @since 0.1.0
 * @category models
 */
export interface DockerContainer extends Container.Container {
  /** Suspend freezes with runc (else with the engine's pause). */
  readonly useRunc: boolean
  /**
   * Closes the HTTP client, then freezes the container: with the Freezer in the context (its strategy: cgroup, runc
   * or engine; runc when there is none), or with the engine's pause when created with `useRunc: false`.
   */
  readonly suspend: Effect.Effect<void, Freezer.FreezeError | Errors.ContainerDestroyed>
  /** Thaws the container, then opens a new HTTP client. */
  readonly resume: Effect.Effect<void, Freezer.FreezeError | Errors.ContainerDestroyed>
  /** Removes the container with force (thawing it first when it may be frozen). */
  readonly destroy: Effect.Effect<void, Errors.DockerEngineError | Errors.ContainerDestroyed>
  readonly initialize: (
    initializer: unknown,
    options: InitializeOptions
  ) => Effect.Effect<
    Interval.Interval,
    Errors.InitializationError | Errors.ContainerHealthError | Errors.InvalidPayload | Errors.ContainerDestroyed
  >
  readonly run: (
    parameters: unknown,
    activation: Readonly<Record<string, unknown>>,
    options: RunOptions
  ) => Effect.Effect<RunOutcome, Errors.ContainerHealthError | Errors.InvalidPayload | Errors.ContainerDestroyed>
  /**
   * A TCP connection to the action's port, where the HTTP client reaches it (the container's address, or the port
   * the engine publishes), closed at once (ContainerHttp's probe).
   */
  readonly probe: (options: Container.ProbeOptions) => Effect.Effect<void, Errors.ProbeError | Errors.ContainerDestroyed>
  /** Read from the container's json-file log through the engine. */
  readonly logs: (
    options: LogsOptions
  ) => Stream.Stream<string, Errors.LogFileError | Errors.DockerEngineError | Errors.ContainerDestroyed>
  /**
   * The lines `logs` streams, all at once, as an invoker takes an activation's logs. From a json-file log on this
   * machine a tailed activation's lines are complete 0.6–0.8 ms after its sentinels, where ending the stream alone
   * costs more than that.
   */
  readonly logLines: (
    options: LogsOptions
  ) => Effect.Effect<
    ReadonlyArray<string>,
    Errors.LogFileError | Errors.DockerEngineError | Errors.ContainerDestroyed
  >
}

/**
 * The backend-neutral create request with the Docker-only settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions extends ContainerFactory.CreateRequest {
  /** Default: the configuration's container args (`ContainerSpec.defaultNetwork` when not configured). */
  readonly network?: string
  readonly dnsServers?: ReadonlyArray<string>
  readonly dnsSearch?: ReadonlyArray<string>
  readonly dnsOptions?: ReadonlyArray<string>
  /**
   * By default true, unless the Freezer in the context is in engine mode (`EFFECT_WHISK_FREEZER=engine` or
   * `EFFECT_WHISK_USE_RUNC=false`); false freezes with the engine's pause whatever the Freezer.
   */
  readonly useRunc?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export type CreateError = ContainerFactory.CreateError

/**
 * What creating a container needs: the engine, runc and the action HTTP client, and the configuration of its
 * containers, of its logs and of its action client. A `Freezer` in the context as well (WhiskLive provides one)
 * chooses how suspend freezes; without one, runc does.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | DockerEngine.DockerEngine
  | Runc.Runc
  | ContainerHttp.ContainerHttp
  | ContainerConfig.ContainerConfig
  | LogsConfig.LogsConfig
  | ActionHttpConfig.ActionHttpConfig

/**
 * Creates and starts a container (B1–B9). The caller owns it and must `destroy` it; prefer `createScoped`.
 * Interrupting the create at any point leaves no container behind.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create: (options: CreateOptions) => Effect.Effect<DockerContainer, CreateError, Services> =
  internal.create

/**
 * Creates a container that is destroyed when the Scope closes, whatever happened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createScoped: (
  options: CreateOptions
) => Effect.Effect<DockerContainer, CreateError, Services | Scope.Scope> = internal.createScoped

/**
 * The live ContainerFactory: Docker containers on the services of the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ContainerFactory.ContainerFactory, never, Services> = internal.layer

/**
 * @since 0.1.0
 * @category testing
 */
export interface TestOptions {
  readonly engine?: Partial<DockerEngine.Service>
  readonly runc?: Partial<Runc.Service>
  /** Answers the action's /init and /run (by default `200 {}`). */
  readonly respond?: Parameters<typeof ContainerHttp.layerTest>[0]
  /** Answers each health probe (by default a success). */
  readonly probe?: Parameters<typeof ContainerHttp.layerTest>[1]
  readonly config?: WhiskConfig.Overrides
}

/**
 * Docker containers over core's test layers (DockerEngine, Runc and ContainerHttp, which record their calls) and
 * the default configuration: needs nothing else. Its engine reports a stopped container by default, so a scripted
 * connection failure is judged at once instead of after the OOM window; script `engine.state` to test OOM handling.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest: (
  options?: TestOptions
) => Layer.Layer<
  | ContainerFactory.ContainerFactory
  | DockerEngine.DockerEngine
  | DockerEngine.DockerEngineCalls
  | Runc.Runc
  | Runc.RuncCalls
  | ContainerHttp.ContainerHttp
  | ContainerHttp.ContainerHttpCalls
  | WhiskConfig.WhiskConfig
> = internal.layerTest
