import { type ByteSize, type Container, Messages } from "@effect-whisk/core"
import * as LogStore from "@effect-whisk/logs/LogStore"
import { Effect } from "effect"

export interface CollectOptions {
  readonly limit: ByteSize.ByteSize
  /** Managed runtimes write sentinels; a blackbox image need not. */
  readonly sentinels: boolean
  /** statusCode 2: read what is there, and say that logs may be missing (B30). */
  readonly developerError: boolean
}

export interface CollectedLogs {
  /** Formatted lines, as an activation record holds them. */
  readonly lines: ReadonlyArray<string>
  /** Why the logs could not be read, when they could not. */
  readonly problem?: string
}

/**
 * One activation's logs, formatted by the log store (B30). Logs cut short keep their partial lines (the last one
 * says why); a read failure does not fail the invocation: the logs become OpenWhisk's "issue while collecting"
 * line (B31) and `problem` says what happened.
 */
export const collect = (
  container: Container.Container,
  options: CollectOptions
): Effect.Effect<CollectedLogs> =>
  LogStore.collect(container.logLines, {
    limit: options.limit,
    isDeveloperError: options.developerError,
    sentinelledLogs: options.sentinels
  }).pipe(
    Effect.map((lines): CollectedLogs => ({ lines })),
    Effect.catchTag("LogCollectingError", (error) => Effect.succeed<CollectedLogs>({ lines: error.partialLogs })),
    Effect.catchAll((error) => Effect.succeed<CollectedLogs>({ lines: [Messages.logFailure], problem: error.message }))
  )
