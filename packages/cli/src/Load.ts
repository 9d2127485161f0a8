/**
 * `effect-whisk load <action.js | folder | .zip>`: N concurrent callers invoke M copies of an action through one
 * ContainerPool for a duration (or a count), then the pool closes, which removes every container; prints the
 * throughput, the start kinds, the errors and the latency percentiles.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { Effect, Either } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as CliOptions from "./internal/cliOptions.js"
import * as Spec from "./internal/commandSpec.js"
import { run, toLoadRequest } from "./internal/loadRun.js"
import * as LoadSummary from "./internal/loadSummary.js"
import * as Progress from "./internal/progress.js"
import { Output } from "./Output.js"

const spec = Spec.loadOptions

const options = {
  ...CliOptions.actionOptions,
  callers: CliOptions.textWithDefault(spec.callers),
  actions: CliOptions.textWithDefault(spec.actions),
  duration: CliOptions.textWithDefault(spec.duration),
  count: CliOptions.optionalText(spec.count),
  memoryBudget: CliOptions.textWithDefault(spec.memoryBudget)
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("load", { action: CliOptions.actionArgument, ...options }, (parsed) =>
  Effect.gen(function*() {
    const output = yield* Output
    const request = yield* toLoadRequest(parsed)
    const outcome = yield* run(request, Progress.make(output))
    if (Either.isLeft(outcome)) {
      output.stdout(request.json ? `${JSON.stringify({ error: outcome.left })}\n` : `error       ${outcome.left}\n`)
      if (request.json) output.stderr(`effect-whisk: ${outcome.left}\n`)
      return yield* ExitStatus.set(ExitStatus.internalError)
    }
    const summary = outcome.right
    const name = request.action._tag === "Some" ? request.action.value.name : "action"
    output.stdout(`${request.json ? JSON.stringify(summary) : LoadSummary.toText(summary, name)}\n`)
    yield* ExitStatus.set(LoadSummary.exitStatus(summary))
  })).pipe(Command.withDescription(Spec.load.description))
