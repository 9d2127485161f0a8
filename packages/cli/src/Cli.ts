/**
 * The `effect-whisk` command: `invoke`, `load`, `runtime build`, `cleanup`, `doctor`. `run` parses a command line, runs it and gives
 * the status the process should exit with.
 *
 * @since 0.1.0
 */
import { type CliApp, Command, ValidationError } from "@effect/cli"
import type { ContainerFactory, EngineConfig, FreezerConfig } from "@effect-whisk/core"
import type { DockerContainer } from "@effect-whisk/docker"
import { Cause, Effect, Ref } from "effect"
import * as Cleanup from "./Cleanup.js"
import * as Doctor from "./Doctor.js"
import * as ExitStatus from "./ExitStatus.js"
import * as CommandLine from "./internal/commandLine.js"
import * as Spec from "./internal/commandSpec.js"
import * as Help from "./internal/help.js"
import * as Invoke from "./Invoke.js"
import * as Load from "./Load.js"
import * as Output from "./Output.js"
import type { RuntimeImage } from "./RuntimeImage.js"
import * as RuntimeBuild from "./RuntimeBuild.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(Spec.toolName).pipe(
  Command.withDescription(Spec.root.description),
  Command.withSubcommands([Invoke.command, Load.command, RuntimeBuild.command, Cleanup.command, Doctor.command])
)

/**
 * @since 0.1.0
 */
export const version = Spec.version

const cli = Command.run(command, { name: Spec.toolName, version })

/**
 * @since 0.1.0
 * @category models
 */
export type Requirements =
  | ContainerFactory.ContainerFactory
  | DockerContainer.Services
  | EngineConfig.EngineConfig
  | FreezerConfig.FreezerConfig
  | RuntimeImage
  | Output.Output
  | CliApp.CliApp.Environment

// @effect/cli prints its parse errors as coloured help documents to the Console's stderr; what reaches it is held,
// and printed as one plain line after a parse error (as it was written otherwise).
const ansi = /\u001b\[[0-9;]*m/g

const collectingConsole = (output: Output.Service, errors: Array<string>): Output.Service => ({
  ...output,
  stderr: (text) => {
    errors.push(text.replace(ansi, ""))
  }
})

/**
 * Runs a command line (`argv` as `process.argv`: node, script, arguments...) and gives its exit status: what the
 * command set (for `invoke`, the last activation's statusCode), 0 after help or the version, 4 for a usage error,
 * 3 for a defect; every message on stderr starts with `effect-whisk:`. `terminal` is where help goes (plain text,
 * 80 columns by default).
 *
 * @since 0.1.0
 */
export const run = (
  argv: ReadonlyArray<string>,
  terminal: Help.Terminal = Help.plain
): Effect.Effect<number, never, Requirements> =>
  Effect.gen(function*() {
    const output = yield* Output.Output
    const answered = CommandLine.answer(argv.slice(2), terminal)
    if (answered !== undefined) {
      output.stdout(answered.stdout)
      output.stderr(answered.stderr)
      return answered.status
    }
    const status = yield* Ref.make(0)
    const parseErrors: Array<string> = []
    return yield* cli(argv).pipe(
      Effect.provideService(ExitStatus.ExitStatus, status),
      Effect.withConsole(Output.console(collectingConsole(output, parseErrors))),
      Effect.zipRight(Effect.sync(() => parseErrors.length > 0 && output.stderr(parseErrors.join("")))),
      Effect.zipRight(Ref.get(status)),
      Effect.catchAll((error) =>
        Effect.sync(() => {
          const text = ValidationError.isValidationError(error) ? parseErrors.join(" ") : error.message
          output.stderr(`${Spec.toolName}: ${text.replace(/\s+/g, " ").trim()}\n`)
          return ExitStatus.usageError
        })
      ),
      Effect.catchAllDefect((defect) =>
        Effect.sync(() => {
          output.stderr(`${Spec.toolName}: internal error: ${Cause.pretty(Cause.die(defect))}\n`)
          return ExitStatus.internalError
        })
      )
    )
  })
