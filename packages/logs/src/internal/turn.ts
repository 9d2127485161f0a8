import type { Effect } from "effect"

/**
 * Where a collection starts: a byte offset, in the file of that identity (device and inode, so that a rotated log is
 * recognised); no identity for a scripted source or a collection that never read a file.
 *
 * @internal
 */
export interface Position {
  readonly offset: number
  readonly file: string | undefined
}

/**
 * Where a collection starts, and how it hands over to the next one.
 *
 * @internal
 */
export interface Turn {
  /** Waits for this collection's turn; interruptible. Once it has returned, `release` runs whatever happens. */
  readonly take: Effect.Effect<void>
  /** Where to start from. */
  readonly position: Effect.Effect<Position>
  /** Ends the turn where the collection stopped. */
  readonly release: (position: Position) => Effect.Effect<void>
}
