/**
 * Why the pool did not start, or did not run an activation. An activation that ran, however it ended (a failed create
 * or init, a developer error, a timeout), is not an error: its record says so in the response.
 *
 * @since 0.1.0
 */
import { ByteSize } from "@effect-whisk/core"
import { Data } from "effect"

/**
 * One value the pool refused: where it is (`healthCheck.period`, `stemCells[1].reactive.maxCount`, `memory`), what was
 * given, as text, and what is allowed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly field: string
  readonly value: string
  readonly allowed: string
}

const describe = (problems: ReadonlyArray<Problem>): string =>
  problems.map((problem) => `${problem.field} is ${problem.value}, but must be ${problem.allowed}`).join("; ")

/**
 * `BufferFull`: the buffer of waiting activations holds its capacity already. `TooLarge`: the action needs more
 * memory than the pool has in total, so it could never be placed. `InvalidAction`: a field of the action is out of its
 * range (`problems` names each), so it was refused before anything was created. `Closed`: the pool's scope closed
 * before or while the activation ran.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolError extends Data.TaggedError("PoolError")<{
  readonly reason: "BufferFull" | "TooLarge" | "InvalidAction" | "Closed"
  /** The action's fully qualified name. */
  readonly action: string
  readonly memory?: ByteSize.ByteSize
  readonly limit?: number
  /** `InvalidAction`: every field refused. */
  readonly problems?: ReadonlyArray<Problem>
}> {
  override get message(): string {
    switch (this.reason) {
      case "BufferFull":
        return `The pool's buffer already holds ${this.limit} waiting activations; ${this.action} was not queued. Retry later, or raise bufferCapacity.`
      case "TooLarge":
        return `${this.action} needs ${this.memory?.toString()} but the pool's user memory is ${
          ByteSize.bytes(this.limit ?? 0).toString()
        }: it can never be placed. Lower the action's memory or raise userMemory.`
      case "InvalidAction":
        return `${this.action} was not run, its definition is invalid: ${describe(this.problems ?? [])}.`
      case "Closed":
        return `The pool was closed; ${this.action} did not run to its end.`
    }
  }
}

/**
 * The configuration given to `ContainerPool.make` or `ContainerPool.layer` has values the pool cannot run with: a
 * timer that would spin, a count that is negative or fractional, a size of 0, a reactive prewarm whose maximum is
 * below its minimum. `problems` lists every one of them, in the order of the Config's fields; nothing was started.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolConfigError extends Data.TaggedError("PoolConfigError")<{
  readonly problems: ReadonlyArray<Problem>
}> {
  override get message(): string {
    const count = this.problems.length
    return `The pool's configuration has ${count === 1 ? "an invalid value" : `${count} invalid values`}, ` +
      `nothing was started: ${describe(this.problems)}.`
  }
}
