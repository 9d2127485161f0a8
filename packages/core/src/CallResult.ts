/**
 * The outcome of one call into an action container (/init or /run), with the interval it took.
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect, Either } from "effect"
import * as ActivationResponse from "./ActivationResponse.js"
import type { ConnectionFailure } from "./ConnectionFailure.js"
import type { ContainerResponse } from "./ContainerResponse.js"
import { ContainerHealthError, InitializationError } from "./Errors.js"
import type { Interval } from "./Interval.js"
import * as Messages from "./Messages.js"

/**
 * @since 0.1.0
 * @category models
 */
export class CallResult extends Data.Class<{
  readonly interval: Interval
  readonly response: Either.Either<ContainerResponse, ConnectionFailure>
}> {
  get ok(): boolean {
    return Either.match(this.response, { onLeft: () => false, onRight: (response) => response.ok })
  }
  get toBriefString(): string {
    return Either.match(this.response, { onLeft: (failure) => failure._tag, onRight: (r) => r.toString() })
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  interval: Interval,
  response: Either.Either<ContainerResponse, ConnectionFailure>
): CallResult => new CallResult({ interval, response })

/**
 * What an activation reports for one /run: the interval of the call and the interpreted answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOutcome {
  readonly interval: Interval
  readonly response: ActivationResponse.ActivationResponse
}

/** B21: a 503 answer means the runtime is shutting down; the job goes to another container. */
const failIfShuttingDown = (result: CallResult, target: string): Effect.Effect<void, ContainerHealthError> =>
  Either.isRight(result.response) && result.response.right.shuttingDown
    ? Effect.fail(new ContainerHealthError({ target, reason: "ShuttingDown" }))
    : Effect.void

const timeoutMillisOf = (timeout: Duration.Duration): number => Math.floor(Duration.toMillis(timeout))

const exceeded = (interval: Interval, timeout: Duration.Duration): boolean =>
  interval.millis >= Duration.toMillis(timeout)

/**
 * The outcome of /init (B22): 503 first, then an OK answer wins even when late, then the timeout, then the content.
 * `target` names the container in a ContainerHealthError.
 *
 * @since 0.1.0
 * @category interpreting
 */
export const toInitialized = (
  result: CallResult,
  timeout: Duration.Duration,
  target: string
): Effect.Effect<Interval, InitializationError | ContainerHealthError> =>
  Effect.zipRight(
    failIfShuttingDown(result, target),
    result.ok ? Effect.succeed(result.interval) : Effect.fail(
      new InitializationError({
        interval: result.interval,
        response: exceeded(result.interval, timeout)
          ? ActivationResponse.developerError(Messages.timedoutActivation(timeoutMillisOf(timeout), true))
          : ActivationResponse.processInitResponseContent(result.response)
      })
    )
  )

/**
 * The outcome of /run (B23): 503 first, then the timeout (even over an OK answer), then the content.
 *
 * @since 0.1.0
 * @category interpreting
 */
export const toRunOutcome = (
  result: CallResult,
  timeout: Duration.Duration,
  target: string
): Effect.Effect<RunOutcome, ContainerHealthError> =>
  Either.isRight(result.response) && result.response.right.shuttingDown
    ? Effect.fail(new ContainerHealthError({ target, reason: "ShuttingDown" }))
    : Effect.succeed({
      interval: result.interval,
      response: exceeded(result.interval, timeout)
        ? ActivationResponse.developerError(Messages.timedoutActivation(timeoutMillisOf(timeout), false))
        : ActivationResponse.processRunResponseContent(result.response)
    })
