import { Data } from "effect"

/**
 * The command line asks for something that cannot be done as written; `message` says what to change. The command
 * exits with status 4.
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}
