/**
 * The status the process exits with. A command sets it; `Cli.run` returns it (an @effect/cli handler itself cannot
 * return a value).
 *
 * @since 0.1.0
 */
import { Context, Effect, Ref } from "effect"

/**
 * @since 0.1.0
 * @category tags
 */
export class ExitStatus extends Context.Tag("@effect-whisk/cli/ExitStatus")<ExitStatus, Ref.Ref<number>>() {}

/**
 * 0 success, 1 application error, 2 developer error, 3 internal error (the activation's statusCode for `invoke`).
 *
 * @since 0.1.0
 */
export const set = (status: number): Effect.Effect<void, never, ExitStatus> =>
  Effect.flatMap(ExitStatus, (ref) => Ref.set(ref, status))

/**
 * @since 0.1.0
 * @category constants
 */
export const internalError = 3

/**
 * @since 0.1.0
 * @category constants
 */
export const usageError = 4

/**
 * Ctrl-C, as a shell reports SIGINT.
 *
 * @since 0.1.0
 * @category constants
 */
export const interrupted = 130
