import type { Effect } from "effect"

/**
 * Where a collection starts, and how it hands over to the next one.
 *
 * @internal
 */
export interface Turn {
  /** Waits for this collection's turn; interruptible. Once it has returned, `release` runs whatever happens. */
  readonly take: Effect.Effect<void>
  /** The offset to start from. */
  readonly offset: Effect.Effect<number>
  /** Ends the turn with the offset reached. */
  readonly release: (offset: number) => Effect.Effect<void>
}
