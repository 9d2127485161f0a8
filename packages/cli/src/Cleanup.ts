/**
 * `effect-whisk cleanup`: removes the containers this tool left behind (named `<prefix>_…`), thawing frozen ones
 * first (B10).
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import * as Cleanup from "@effect-whisk/docker/Cleanup"
import { Effect, Either } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as Spec from "./internal/commandSpec.js"
import { Output } from "./Output.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("cleanup", {}, () =>
  Effect.gen(function*() {
    const output = yield* Output
    const outcome = yield* Effect.either(Cleanup.removeLeftovers)
    if (Either.isLeft(outcome)) {
      output.stderr(`effect-whisk: ${outcome.left.message}\n`)
      return yield* ExitStatus.set(ExitStatus.internalError)
    }
    const { failures, found } = outcome.right
    output.stdout(`removed ${found - failures.length} of ${found} leftover container${found === 1 ? "" : "s"}\n`)
    for (const failure of failures) output.stderr(`effect-whisk: ${failure.message}\n`)
    if (failures.length > 0) yield* ExitStatus.set(ExitStatus.internalError)
  })).pipe(Command.withDescription(Spec.cleanup.description))
