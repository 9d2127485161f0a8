/**
 * The typed errors of effect-whisk. Startup errors carry OpenWhisk's verbatim user-visible text as `message` (it
 * becomes the activation result) and the underlying failure as `cause`, so `detail` tells a person what to fix.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { ActivationResponse } from "./ActivationResponse.js"
import type { ContainerId } from "./ContainerId.js"
import type { Interval } from "./Interval.js"

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message : typeof cause === "string" ? cause : JSON.stringify(cause)

const withCause = (message: string, cause: unknown): string =>
  cause === undefined ? message : `${message} (${describe(cause)})`

/**
 * The system failed to provide a container: statusCode 3 for the activation (B9).
 *
 * @since 0.1.0
 * @category startup
 */
export class WhiskContainerStartupError extends Data.TaggedError("WhiskContainerStartupError")<{
  readonly message: string
  readonly image: string
  readonly cause?: unknown
}> {
  get detail(): string {
    return withCause(`${this.message} Image: ${this.image}.`, this.cause)
  }
}

/**
 * The user's image could not be started (pull failed, command missing): statusCode 2 for the activation (B9).
 *
 * @since 0.1.0
 * @category startup
 */
export class BlackboxStartupError extends Data.TaggedError("BlackboxStartupError")<{
  readonly message: string
  readonly image: string
  readonly cause?: unknown
}> {
  get detail(): string {
    return withCause(this.message, this.cause)
  }
}

/**
 * The engine created a container but could not start it. The container exists and must be removed. `exitStatus`
 * is the `docker run` exit status the failure corresponds to: 127 when the command was not found, else 125.
 *
 * @since 0.1.0
 * @category startup
 */
export class BrokenContainer extends Data.TaggedError("BrokenContainer")<{
  readonly containerId: ContainerId
  readonly image: string
  readonly exitStatus: 125 | 127
  readonly cause?: unknown
}> {
  override get message(): string {
    return withCause(`Broken container ${this.containerId} of image ${this.image}: it was created but did not start`, this.cause)
  }
}

/**
 * /init did not succeed; `response` is what the activation reports.
 *
 * @since 0.1.0
 * @category calls
 */
export class InitializationError extends Data.TaggedError("InitializationError")<{
  readonly interval: Interval
  readonly response: ActivationResponse
}> {
  override get message(): string {
    return JSON.stringify(this.response)
  }
}

/**
 * The container cannot take work (it answered 503, or refused a connection to a warm container): reschedule the
 * job elsewhere and destroy the container (B20, B21).
 *
 * @since 0.1.0
 * @category calls
 */
export class ContainerHealthError extends Data.TaggedError("ContainerHealthError")<{
  readonly target: string
  readonly reason: "ShuttingDown" | "Unreachable"
  readonly cause?: unknown
}> {
  override get message(): string {
    return withCause(
      this.reason === "ShuttingDown"
        ? `The action container ${this.target} is shutting down (HTTP 503); reschedule the activation`
        : `The warm action container ${this.target} refused the connection; reschedule the activation`,
      this.cause
    )
  }
}

/**
 * A health probe of a container failed (PX10): a TCP connection to its action port could not be made. `Refused`:
 * nothing listens there (the action's process is gone); `Unreachable`: no route to it or another socket error (a
 * container that stopped has left its network); `Timeout`: no connection within the probe's timeout. A probe proves
 * only that the port accepts connections: the kernel accepts them for a frozen process too.
 *
 * @since 0.1.0
 * @category calls
 */
export class ProbeError extends Data.TaggedError("ProbeError")<{
  /** `host:port` probed. */
  readonly target: string
  readonly reason: "Refused" | "Unreachable" | "Timeout"
  readonly timeoutMillis?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "Refused":
        return withCause(`The action container ${this.target} refused the health probe: nothing listens on its port`, this.cause)
      case "Unreachable":
        return withCause(`The action container ${this.target} could not be reached by the health probe`, this.cause)
      case "Timeout":
        return `The action container ${this.target} did not accept the health probe's connection within ${this.timeoutMillis} ms`
    }
  }
}

/**
 * An operation was asked of a container after it was destroyed: destroy is final.
 *
 * @since 0.1.0
 * @category calls
 */
export class ContainerDestroyed extends Data.TaggedError("ContainerDestroyed")<{
  readonly containerId: string
  readonly operation: "initialize" | "run" | "suspend" | "resume" | "destroy" | "logs" | "probe"
}> {
  override get message(): string {
    return `Cannot ${this.operation} the container ${this.containerId}: it was destroyed; create a new one`
  }
}

/**
 * An operation of a container backend other than the Docker engine and runc failed (for example a Kubernetes API
 * call). `backend` names it, `operation` the call, `target` the container.
 *
 * @since 0.1.0
 * @category engine
 */
export class ContainerBackendError extends Data.TaggedError("ContainerBackendError")<{
  readonly backend: string
  readonly operation: string
  readonly target: string
  readonly reason: "NotFound" | "Timeout" | "Unavailable" | "Refused" | "Failed"
  readonly cause?: unknown
}> {
  override get message(): string {
    return withCause(`${this.backend} ${this.operation} of ${this.target} failed: ${this.reason}`, this.cause)
  }
}

/**
 * The log stream ended before enough sentinel lines were seen.
 *
 * @since 0.1.0
 * @category logs
 */
export class OccurrencesNotFound extends Data.TaggedError("OccurrencesNotFound")<{
  readonly needed: number
  readonly found: number
}> {
  override get message(): string {
    return `Only found ${this.found} out of ${this.needed} occurrences.`
  }
}

/**
 * Log collection ended with a notice (truncation or failure); the partial logs are kept.
 *
 * @since 0.1.0
 * @category logs
 */
export class LogCollectingError extends Data.TaggedError("LogCollectingError")<{
  readonly partialLogs: ReadonlyArray<string>
}> {
  override get message(): string {
    return "Failed to read logs"
  }
}

/**
 * A container's log file could not be read.
 *
 * @since 0.1.0
 * @category logs
 */
export class LogFileError extends Data.TaggedError("LogFileError")<{
  readonly path: string
  readonly reason: "NotFound" | "PermissionDenied" | "NotAFile" | "Unreadable"
  readonly cause?: unknown
}> {
  override get message(): string {
    return withCause(`Cannot read the container log file ${this.path}: ${this.reason}`, this.cause)
  }
}

/**
 * @since 0.1.0
 * @category engine
 */
export type DockerEngineErrorReason =
  | "NotFound"
  | "Conflict"
  | "NotModified"
  | "BadRequest"
  | "ServerError"
  | "Timeout"
  | "Unavailable"
  | "InvalidResponse"
  | "PullFailed"
  | "InvalidId"

/**
 * A Docker engine API call failed. `operation` names the call, `target` the container id or image. `InvalidId`
 * means the id or name was refused before any request was made (its `cause` is the InvalidContainerId).
 *
 * @since 0.1.0
 * @category engine
 */
export class DockerEngineError extends Data.TaggedError("DockerEngineError")<{
  readonly operation: string
  readonly reason: DockerEngineErrorReason
  readonly target?: string
  readonly statusCode?: number
  readonly description?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const target = this.target === undefined ? "" : ` of ${this.target}`
    const status = this.statusCode === undefined ? "" : ` (HTTP ${this.statusCode})`
    const description = this.description ?? (this.cause === undefined ? "" : describe(this.cause))
    return `Docker engine ${this.operation}${target} failed: ${this.reason}${status}${description ? `: ${description}` : ""}`
  }
}

/**
 * A runc command failed. `InvalidId` means the id was refused before any process started.
 *
 * @since 0.1.0
 * @category runc
 */
export class RuncError extends Data.TaggedError("RuncError")<{
  readonly operation: "pause" | "resume"
  readonly containerId: string
  readonly reason: "InvalidId" | "NonZeroExit" | "Timeout" | "SpawnFailed"
  readonly exitCode?: number
  readonly stderr?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "InvalidId":
        return `runc ${this.operation} refused: Does not comply with Docker container ID format: ${this.containerId}`
      case "NonZeroExit":
        return `runc ${this.operation} ${this.containerId} exited with code ${this.exitCode}: ${this.stderr?.trim() ?? ""}`
      case "Timeout":
        return `runc ${this.operation} ${this.containerId} did not finish in time and was terminated`
      case "SpawnFailed":
        return withCause(
          `runc ${this.operation} ${this.containerId} could not be started (set EFFECT_WHISK_RUNC_BINARY, or ` +
            `EFFECT_WHISK_FREEZER=cgroup or engine)`,
          this.cause
        )
    }
  }
}

/**
 * @since 0.1.0
 * @category freezer
 */
export type FreezerErrorReason = "Unavailable" | "NotFound" | "Timeout" | "WriteFailed" | "NotLocal"

/**
 * Freezing or thawing a container through its cgroup failed. `Unavailable`: the cgroup freezer cannot be used here
 * (no freezer hierarchy, or its file is not writable), the message names the variable that chooses another
 * strategy; `NotFound`: the container's process or its cgroup is gone; `Timeout`: the cgroup did not report the
 * state in time (a freeze that timed out is thawed again); `WriteFailed`: the kernel refused the write;
 * `NotLocal`: the cgroup or runc strategy was chosen (`EFFECT_WHISK_FREEZER`) for an engine that does not run on this
 * machine, whose containers' processes and cgroups are not here (`strategy` and `endpoint` say which).
 *
 * @since 0.1.0
 * @category freezer
 */
export class FreezerError extends Data.TaggedError("FreezerError")<{
  readonly operation: "freeze" | "thaw"
  readonly containerId: string
  readonly reason: FreezerErrorReason
  readonly path?: string
  readonly strategy?: "cgroup" | "runc"
  readonly endpoint?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const where = this.path === undefined ? "" : ` (${this.path})`
    switch (this.reason) {
      case "Unavailable":
        return withCause(
          `Cannot ${this.operation} ${this.containerId} through its cgroup${where}: the cgroup freezer is not usable ` +
            `here; set EFFECT_WHISK_FREEZER=runc or EFFECT_WHISK_FREEZER=engine`,
          this.cause
        )
      case "NotFound":
        return withCause(`Cannot ${this.operation} ${this.containerId}: its process or its cgroup is gone${where}`, this.cause)
      case "Timeout":
        return `The cgroup freezer did not ${this.operation} ${this.containerId} in time${where}; raise EFFECT_WHISK_FREEZER_TIMEOUT if the machine is busy`
      case "WriteFailed":
        return withCause(`The kernel refused to ${this.operation} ${this.containerId}${where}`, this.cause)
      case "NotLocal":
        return `Cannot ${this.operation} ${this.containerId} with EFFECT_WHISK_FREEZER=${this.strategy ?? "cgroup"}: ` +
          `the engine at ${this.endpoint ?? "DOCKER_HOST"} does not run on this machine, so its containers' processes ` +
          `and cgroups are not here; set EFFECT_WHISK_FREEZER=engine (or auto, which uses the engine's pause for it)`
    }
  }
}

/**
 * @since 0.1.0
 * @category input
 */
export class InvalidContainerId extends Data.TaggedError("InvalidContainerId")<{
  readonly input: string
  /** What was expected instead, when more than a full engine id is accepted. */
  readonly expected?: string
}> {
  override get message(): string {
    return this.expected === undefined
      ? `Does not comply with Docker container ID format: ${this.input}`
      : `Invalid container id or name ${JSON.stringify(this.input)}: expected ${this.expected}`
  }
}

/**
 * @since 0.1.0
 * @category input
 */
export class InvalidImageName extends Data.TaggedError("InvalidImageName")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid image name '${this.input}': ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category input
 */
export class InvalidByteSize extends Data.TaggedError("InvalidByteSize")<{ readonly input: string }> {
  override get message(): string {
    return `Invalid size '${this.input}': expected a whole number of bytes with an optional unit, such as 1024, 64k, 10m or 256 MB`
  }
}

/**
 * @since 0.1.0
 * @category input
 */
export class InvalidEnvironment extends Data.TaggedError("InvalidEnvironment")<{
  readonly key: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid environment variable '${this.key}': ${this.reason}`
  }
}

/**
 * A container's resources that the engine cannot honour: refused before any engine call (a memory limit below the
 * engine's minimum would otherwise become no limit at all, a NaN cpu limit likewise).
 *
 * @since 0.1.0
 * @category input
 */
export class InvalidResources extends Data.TaggedError("InvalidResources")<{
  readonly resource: "memory" | "cpuLimit" | "cpuShares" | "labels"
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid ${this.resource} ${this.input}: ${this.reason}`
  }
}

/**
 * What a /init or /run would send cannot be encoded as JSON (a BigInt, a cycle, a toJSON that throws): refused
 * before the request.
 *
 * @since 0.1.0
 * @category input
 */
export class InvalidPayload extends Data.TaggedError("InvalidPayload")<{
  readonly what: "initializer" | "parameters" | "environment"
  readonly reason: string
}> {
  override get message(): string {
    return `The ${this.what} cannot be sent to the action as JSON: ${this.reason}`
  }
}
