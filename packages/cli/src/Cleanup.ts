/**
 * `effect-whisk cleanup`: removes the containers whose owner process is gone on this host, thawing frozen ones
 * first (B10); a running program's containers are left alone. With `--all`, every effect-whisk container, running
 * programs' included, and it says so.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import * as Cleanup from "@effect-whisk/docker/Cleanup"
import { Effect, Either } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as Spec from "./internal/commandSpec.js"
import { Output } from "./Output.js"

const all = Options.boolean(Spec.cleanupOptions.all.name).pipe(
  Options.withDescription(Spec.cleanupOptions.all.description)
)

const plural = (n: number) => `container${n === 1 ? "" : "s"}`

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("cleanup", { all }, ({ all }) =>
  Effect.gen(function*() {
    const output = yield* Output
    if (all) output.stderr("effect-whisk: cleanup --all: removing every effect-whisk container, running programs' too\n")
    const outcome = yield* Effect.either(Cleanup.removeContainers(all ? "All" : "Orphaned"))
    if (Either.isLeft(outcome)) {
      output.stderr(`effect-whisk: ${outcome.left.message}\n`)
      return yield* ExitStatus.set(ExitStatus.internalError)
    }
    const { failures, found } = outcome.right
    const removed = found - failures.length
    output.stdout(
      all
        ? `removed ${removed} of ${found} effect-whisk ${plural(found)}\n`
        : `removed ${removed} of ${found} ${plural(found)} whose owner process is gone\n`
    )
    for (const failure of failures) output.stderr(`effect-whisk: ${failure.message}\n`)
    if (failures.length > 0) yield* ExitStatus.set(ExitStatus.internalError)
  })).pipe(Command.withDescription(Spec.cleanup.description))
