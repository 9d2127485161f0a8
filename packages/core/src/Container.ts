/**
 * An action container, whatever runs it: the contract an invoker works against. `DockerContainer` in
 * `@effect-whisk/docker` is one implementation, `ContainerFactory.layerTest` an in-memory one, and
 * docs/kubernetes.md shows how a Kubernetes one maps each operation. A `ContainerFactory` creates them.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Stream } from "effect"
import type { ByteSize } from "./ByteSize.js"
import type { RunOutcome } from "./CallResult.js"
import type { ContainerAddress } from "./ContainerAddress.js"
import type { ContainerId } from "./ContainerId.js"
import type * as Errors from "./Errors.js"
import type { Interval } from "./Interval.js"

/**
 * @since 0.1.0
 * @category models
 */
export type { RunOutcome }

/**
 * Running: it takes /init and /run. Suspended: its processes are frozen (or, without a freezer, only its connections
 * are closed). Destroyed: it is gone, and every later operation fails with ContainerDestroyed.
 *
 * @since 0.1.0
 * @category models
 */
export type State = "Running" | "Suspended" | "Destroyed"

/**
 * What a container can do beyond the common operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * What suspend does: freeze the container's processes (Docker: through its Freezer, whose strategy is the cgroup,
   * runc or the engine's pause), or only close the connections (a backend without a freezer, such as Kubernetes).
   */
  readonly suspend: "FreezesProcesses" | "ClosesConnections"
  /**
   * Where an activation's logs come from: the engine's json-file log, framed by sentinels and read by byte offset
   * (Docker on this machine); the engine's or platform's log stream, read from a cursor of a time and the lines seen
   * at that time (Docker's or Podman's log API for a remote engine or another log driver, Kubernetes); or memory
   * (the test layer).
   */
  readonly logSource: "JsonFile" | "LogStream" | "Memory"
}

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
  readonly maxResponse?: ByteSize
  /** Defaults to the configured payload truncation (1 MB). */
  readonly truncation?: ByteSize
  /** Set for a warm container: a refused connection becomes ContainerHealthError (B20). */
  readonly reschedule?: boolean
  /**
   * Whether this activation's logs are collected after the run (default true). With maxConcurrent 1, the container's
   * next /run then waits until that collection has ended, so each activation gets exactly its own lines; false lets
   * the next /run start as soon as this one has ended. LogsGate has the whole rule.
   */
  readonly logsCollected?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogsOptions {
  /** The log limit of the action; weighs each raw json line as its length + 1. */
  readonly limit: ByteSize
  /** Wait until two sentinel lines are seen (managed runtimes), or read what is there (blackbox, developer errors). */
  readonly waitForSentinel: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProbeOptions {
  /** The probe fails with ProbeError Timeout when no connection is made within this. */
  readonly timeout: Duration.Duration
}

/**
 * @since 0.1.0
 * @category errors
 */
export type InitializeError =
  | Errors.InitializationError
  | Errors.ContainerHealthError
  | Errors.InvalidPayload
  | Errors.ContainerDestroyed

/**
 * @since 0.1.0
 * @category errors
 */
export type RunError = Errors.ContainerHealthError | Errors.InvalidPayload | Errors.ContainerDestroyed

/**
 * The errors of suspend and resume: the freezer's (the cgroup, runc, the engine's pause) or another backend's.
 *
 * @since 0.1.0
 * @category errors
 */
export type ControlError =
  | Errors.FreezerError
  | Errors.RuncError
  | Errors.DockerEngineError
  | Errors.ContainerBackendError
  | Errors.ContainerDestroyed

/**
 * @since 0.1.0
 * @category errors
 */
export type ProbeError = Errors.ProbeError | Errors.ContainerDestroyed

/**
 * @since 0.1.0
 * @category errors
 */
export type DestroyError = Errors.DockerEngineError | Errors.ContainerBackendError | Errors.ContainerDestroyed

/**
 * @since 0.1.0
 * @category errors
 */
export type LogsError =
  | Errors.LogFileError
  | Errors.DockerEngineError
  | Errors.ContainerBackendError
  | Errors.ContainerDestroyed

/**
 * @since 0.1.0
 * @category models
 */
export interface Container {
  readonly id: ContainerId
  readonly address: ContainerAddress
  /** The resolved image reference the container runs. */
  readonly image: string
  readonly capabilities: Capabilities
  /** The state now. */
  readonly state: Effect.Effect<State>
  /** The state now, then every change, until the container is destroyed (the stream ends after Destroyed). */
  readonly stateChanges: Stream.Stream<State>
  /** POSTs /init; gives the interval or InitializationError (B22). */
  readonly initialize: (initializer: unknown, options: InitializeOptions) => Effect.Effect<Interval, InitializeError>
  /** POSTs /run with the parameters and the activation's fields (activation_id, deadline, …), which win on a clash (B23). */
  readonly run: (
    parameters: unknown,
    activation: Readonly<Record<string, unknown>>,
    options: RunOptions
  ) => Effect.Effect<RunOutcome, RunError>
  /** Closes the connections, then freezes the container. Suspending a suspended container does nothing. */
  readonly suspend: Effect.Effect<void, ControlError>
  /** Thaws the container, then opens new connections. Resuming a running container does nothing. */
  readonly resume: Effect.Effect<void, ControlError>
  /**
   * The health probe (PX10): opens a TCP connection to the action's port and closes it at once, sending nothing.
   * Succeeds when the connection is made within `timeout`; interrupting it closes the socket. It says only that the
   * port accepts connections (a suspended container's kernel accepts them too), not that the action answers.
   */
  readonly probe: (options: ProbeOptions) => Effect.Effect<void, ProbeError>
  /** Removes the container. Final: every later operation, destroy too, fails with ContainerDestroyed. */
  readonly destroy: Effect.Effect<void, DestroyError>
  /**
   * This activation's raw json log lines (`{"log":…,"stream":…,"time":…}`) from where the last collection stopped.
   * Sentinel lines are not emitted; a truncation or collection problem ends the stream with a notice line.
   */
  readonly logs: (options: LogsOptions) => Stream.Stream<string, LogsError>
  /** The lines `logs` streams, all at once, as an invoker takes an activation's logs. */
  readonly logLines: (options: LogsOptions) => Effect.Effect<ReadonlyArray<string>, LogsError>
}
