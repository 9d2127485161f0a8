/**
 * An action container on a Docker engine: create (with OpenWhisk's pull rules), /init and /run over HTTP with OOM
 * detection, suspend and resume, per-activation logs, destroy. Every operation is an Effect with a typed error;
 * the services it needs are captured when the container is created.
 *
 * @since 0.1.0
 */
import type {
  ActivationResponse,
  ByteSize,
  ContainerAddress,
  ContainerHttp,
  ContainerId,
  DockerEngine,
  Errors,
  Interval,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import type { Duration, Effect, Scope, Stream } from "effect"
import * as lifecycle from "./internal/lifecycle.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface InitializeOptions {
  readonly timeout: Duration.Duration
  readonly maxConcurrent: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly timeout: Duration.Duration
  readonly maxConcurrent: number
  /** Defaults to the configured payload limit (1 MB). */
  readonly maxResponse?: ByteSize.ByteSize
  /** Defaults to the configured payload truncation (1 MB). */
  readonly truncation?: ByteSize.ByteSize
  /** Set for a warm container: a refused connection becomes ContainerHealthError (B20). */
  readonly reschedule?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogsOptions {
  /** The log limit of the action; weighs each raw json line as its length + 1. */
  readonly limit: ByteSize.ByteSize
  /** Tail until two sentinel lines are seen (managed runtimes), or read to the end (blackbox, developer errors). */
  readonly waitForSentinel: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOutcome {
  readonly interval: Interval.Interval
  readonly response: ActivationResponse.ActivationResponse
}

/**
 * @since 0.1.0
 * @category models
 */
export interface DockerContainer {
  readonly id: ContainerId.ContainerId
  readonly address: ContainerAddress.ContainerAddress
  /** The resolved image reference the container runs. */
  readonly image: string
  readonly useRunc: boolean
  /** Closes the HTTP client, then freezes the container (runc pause, or the engine's pause). */
  readonly suspend: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError>
  /** Thaws the container, then opens a new HTTP client. */
  readonly resume: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError>
  /** Removes the container with force (resuming it first when runc froze it). */
  readonly destroy: Effect.Effect<void, Errors.DockerEngineError>
  /** POSTs /init; gives the interval or InitializationError (B22). */
  readonly initialize: (
    initializer: unknown,
    options: InitializeOptions
  ) => Effect.Effect<Interval.Interval, Errors.InitializationError | Errors.ContainerHealthError>
  /** POSTs /run with the parameters and the activation's environment fields (B23). */
  readonly run: (
    parameters: unknown,
    environment: Readonly<Record<string, unknown>>,
    options: RunOptions
  ) => Effect.Effect<RunOutcome, Errors.ContainerHealthError>
  /**
   * This activation's raw json log lines from where the last collection stopped. Sentinel lines are not emitted;
   * a truncation or collection problem ends the stream with a notice line (LogLine JSON on stderr).
   */
  readonly logs: (
    options: LogsOptions
  ) => Stream.Stream<string, Errors.LogFileError | Errors.DockerEngineError>
  /**
   * The lines `logs` streams, all at once, as an invoker takes an activation's logs. From a json-file log on this
   * machine a tailed activation's lines are complete 0.6–0.8 ms after its sentinels, where ending the stream alone
   * costs more than that.
   */
  readonly logLines: (
    options: LogsOptions
  ) => Effect.Effect<ReadonlyArray<string>, Errors.LogFileError | Errors.DockerEngineError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  /** An image reference such as `node:20` or `127.0.0.1:5000/team/action:v1`. */
  readonly image: string
  /** A user-provided (blackbox) image follows the pull rules of B6; a platform image is never pulled. */
  readonly userProvided: boolean
  /** Default 256 MB. */
  readonly memory?: ByteSize.ByteSize
  /** Default: derived from memory and the configured user memory (B4). */
  readonly cpuShares?: number
  readonly cpuLimit?: number
  readonly environment?: Readonly<Record<string, string>>
  /** Defaults from the configuration's container args. */
  readonly network?: string
  readonly dnsServers?: ReadonlyArray<string>
  readonly dnsSearch?: ReadonlyArray<string>
  readonly dnsOptions?: ReadonlyArray<string>
  /** Default: `<prefix>_<unique>`. A given name gets the configured prefix too, so cleanup finds it. */
  readonly name?: string
  /** Default from the configuration (use-runc). */
  readonly useRunc?: boolean
  readonly labels?: Readonly<Record<string, string>>
}

/**
 * @since 0.1.0
 * @category models
 */
export type CreateError =
  | Errors.WhiskContainerStartupError
  | Errors.BlackboxStartupError
  | Errors.InvalidImageName
  | Errors.InvalidEnvironment

/**
 * @since 0.1.0
 * @category models
 */
export type Services = DockerEngine.DockerEngine | Runc.Runc | ContainerHttp.ContainerHttp | WhiskConfig.WhiskConfig

/**
 * Creates and starts a container (B1–B9). The caller owns it and must `destroy` it; prefer `createScoped`.
 * Interrupting the create at any point leaves no container behind.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create: (options: CreateOptions) => Effect.Effect<DockerContainer, CreateError, Services> =
  lifecycle.create

/**
 * Creates a container that is destroyed when the Scope closes, whatever happened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createScoped: (
  options: CreateOptions
) => Effect.Effect<DockerContainer, CreateError, Services | Scope.Scope> = lifecycle.createScoped
