/**
 * `effect-whisk runtime build [--force]`: builds the project's Node.js runtime image (nothing is done when the
 * image is current).
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { Duration, Effect, Either } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as CliOptions from "./internal/cliOptions.js"
import * as Spec from "./internal/commandSpec.js"
import * as Progress from "./internal/progress.js"
import { Output } from "./Output.js"
import { RuntimeImage } from "./RuntimeImage.js"

const force = CliOptions.flag(Spec.buildOptions.force)

/**
 * @since 0.1.0
 * @category commands
 */
export const build = Command.make("build", { force }, ({ force }) =>
  Effect.gen(function*() {
    const output = yield* Output
    const runtime = yield* RuntimeImage
    const progress = Progress.make(output)
    const onProgress = Progress.buildRenderer(progress, runtime.image)
    const [took, outcome] = yield* Effect.timed(Effect.either(runtime.ensure({ force, onProgress })))
    progress.clear()
    if (Either.isLeft(outcome)) {
      output.stderr(`effect-whisk: ${outcome.left.message}\n`)
      return yield* ExitStatus.set(ExitStatus.internalError)
    }
    const { built, image } = outcome.right
    output.stdout(
      built
        ? `built ${image} in ${Duration.format(took)}\n`
        : `${image} is current (nothing to build; --force builds it anyway)\n`
    )
  })).pipe(Command.withDescription(Spec.runtimeBuild.description))

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("runtime").pipe(
  Command.withDescription(Spec.runtime.description),
  Command.withSubcommands([build])
)
