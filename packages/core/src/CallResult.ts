/**
 * The outcome of one call into an action container (/init or /run), with the interval it took.
 *
 * @since 0.1.0
 */
import { Data, Either } from "effect"
import type { ConnectionFailure } from "./ConnectionFailure.js"
import type { ContainerResponse } from "./ContainerResponse.js"
import type { Interval } from "./Interval.js"

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
