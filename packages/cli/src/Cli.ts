/**
 * The `effect-whisk` command: `invoke`, `runtime build`, `cleanup`. `run` parses a command line, runs it and gives
 * the status the process should exit with.
 *
 * @since 0.1.0
 */
import { type CliApp, Command, ValidationError } from "@effect/cli"
import type { DockerContainer } from "@effect-whisk/docker"
import { Cause, Effect, Ref } from "effect"
import * as Cleanup from "./Cleanup.js"
import * as ExitStatus from "./ExitStatus.js"
import * as Invoke from "./Invoke.js"
import * as Output from "./Output.js"
import type { RuntimeImage } from "./RuntimeImage.js"
import * as RuntimeBuild from "./RuntimeBuild.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-whisk").pipe(
  Command.withDescription("Run OpenWhisk actions in Docker containers, the way OpenWhisk's invoker does"),
  Command.withSubcommands([Invoke.command, RuntimeBuild.command, Cleanup.command])
)

/**
 * @since 0.1.0
 */
export const version = "0.1.0"

const cli = Command.run(command, { name: "effect-whisk", version })

/**
 * @since 0.1.0
 * @category models
 */
export type Requirements = DockerContainer.Services | RuntimeImage | Output.Output | CliApp.CliApp.Environment

/**
 * Runs a command line (`argv` as `process.argv`: node, script, arguments...) and gives its exit status: what the
 * command set (for `invoke`, the last activation's statusCode), 4 for a usage error (printed to stderr, by
 * @effect/cli or here), 3 for a defect (printed to stderr).
 *
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, Requirements> =>
  Effect.gen(function*() {
    const output = yield* Output.Output
    const status = yield* Ref.make(0)
    return yield* cli(argv).pipe(
      Effect.provideService(ExitStatus.ExitStatus, status),
      Effect.withConsole(Output.console(output)),
      Effect.zipRight(Ref.get(status)),
      Effect.catchAll((error) =>
        Effect.sync(() => {
          if (ValidationError.isValidationError(error)) return ExitStatus.usageError
          output.stderr(`effect-whisk: ${error.message}\n`)
          return ExitStatus.usageError
        })
      ),
      Effect.catchAllDefect((defect) =>
        Effect.sync(() => {
          output.stderr(`effect-whisk: internal error: ${Cause.pretty(Cause.die(defect))}\n`)
          return ExitStatus.internalError
        })
      )
    )
  })
