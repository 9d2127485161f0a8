/**
 * `effect-whisk invoke <action.js | folder | .zip>`: runs the action through a ContainerPool over the Docker
 * factory (`--repeat` times, the later activations on the warm container), then closes the pool, which removes every
 * container, and prints each activation's result, logs, start kind and the time each step took.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { Effect, Option } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as ActionError from "./internal/actionError.js"
import { invoke } from "./internal/invocation.js"
import * as CliOptions from "./internal/cliOptions.js"
import * as Spec from "./internal/commandSpec.js"
import { toRequest } from "./internal/invokeOptions.js"
import * as Progress from "./internal/progress.js"
import { exitStatus, toJson, toText } from "./internal/report.js"
import { Output } from "./Output.js"

const spec = Spec.invokeOptions

const options = {
  ...CliOptions.actionOptions,
  repeat: CliOptions.textWithDefault(spec.repeat),
  pauseGrace: CliOptions.textWithDefault({ ...spec.pauseGrace, default: "10s" }),
  noSuspend: CliOptions.flag(spec.noSuspend),
  keep: CliOptions.flag(spec.keep)
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("invoke", { action: CliOptions.actionArgument, ...options }, (parsed) =>
  Effect.gen(function*() {
    const output = yield* Output
    const request = yield* toRequest(parsed)
    const report = yield* invoke(request, Progress.make(output))
    const action = Option.getOrUndefined(request.action)
    const text = () => toText(report, (error) => ActionError.inUserPaths(error, action))
    output.stdout(`${request.json ? JSON.stringify(toJson(report)) : text()}\n`)
    if (request.json && report.error !== undefined) output.stderr(`effect-whisk: ${report.error}\n`)
    yield* ExitStatus.set(exitStatus(report))
  })).pipe(Command.withDescription(Spec.invoke.description))
