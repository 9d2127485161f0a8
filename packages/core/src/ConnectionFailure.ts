/**
 * Why a call into an action container produced no usable response (OpenWhisk's `ContainerConnectionError`s).
 * They are values an activation is interpreted from, not faults of the library.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The connection failed or broke (refused, reset, closed without an answer).
 *
 * @since 0.1.0
 * @category models
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly target: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const detail = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `The connection to the action container ${this.target} failed${detail}`
  }
}

/**
 * The container answered without an entity (for example HTTP 204).
 *
 * @since 0.1.0
 * @category models
 */
export class NoResponseReceived extends Data.TaggedError("NoResponseReceived")<{ readonly target: string }> {
  override get message(): string {
    return `The action container ${this.target} answered without a response body`
  }
}

/**
 * The call did not complete before its deadline (including retries of refused connections).
 *
 * @since 0.1.0
 * @category models
 */
export class Timeout extends Data.TaggedError("Timeout")<{
  readonly target: string
  readonly timeoutMillis: number
  readonly cause?: unknown
}> {
  override get message(): string {
    return `The call to the action container ${this.target} did not complete within ${this.timeoutMillis} ms`
  }
}

/**
 * The engine reports that the container was killed for exceeding its memory limit.
 *
 * @since 0.1.0
 * @category models
 */
export class MemoryExhausted extends Data.TaggedError("MemoryExhausted")<{ readonly target: string }> {
  override get message(): string {
    return `The action container ${this.target} was killed because it exhausted its memory`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type ConnectionFailure = ConnectionError | NoResponseReceived | Timeout | MemoryExhausted
