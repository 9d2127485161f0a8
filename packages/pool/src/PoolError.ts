/**
 * Why the pool did not run an activation. An activation that ran, however it ended (a failed create or init, a
 * developer error, a timeout), is not an error: its record says so in the response.
 *
 * @since 0.1.0
 */
import { ByteSize } from "@effect-whisk/core"
import { Data } from "effect"

/**
 * `BufferFull`: the buffer of waiting activations holds its capacity already. `TooLarge`: the action needs more
 * memory than the pool has in total, so it could never be placed. `Closed`: the pool's scope closed before or while
 * the activation ran.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolError extends Data.TaggedError("PoolError")<{
  readonly reason: "BufferFull" | "TooLarge" | "Closed"
  /** The action's fully qualified name. */
  readonly action: string
  readonly memory?: ByteSize.ByteSize
  readonly limit?: number
}> {
  override get message(): string {
    switch (this.reason) {
      case "BufferFull":
        return `The pool's buffer already holds ${this.limit} waiting activations; ${this.action} was not queued. Retry later, or raise bufferCapacity.`
      case "TooLarge":
        return `${this.action} needs ${this.memory?.toString()} but the pool's user memory is ${
          ByteSize.bytes(this.limit ?? 0).toString()
        }: it can never be placed. Lower the action's memory or raise userMemory.`
      case "Closed":
        return `The pool was closed; ${this.action} did not run to its end.`
    }
  }
}
