/**
 * `effect-whisk invoke <action.js | folder | .zip>`: creates a container, sends /init, then /run (repeated with
 * suspend and resume in between), collects each activation's logs, removes the container, and prints the result,
 * the logs and the time each step took.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import { invoke } from "./internal/invocation.js"
import { defaults, toRequest } from "./internal/invokeOptions.js"
import * as Progress from "./internal/progress.js"
import { exitStatus, toJson, toText } from "./internal/report.js"
import { Output } from "./Output.js"

const action = Args.text({ name: "action.js | folder | .zip" }).pipe(
  Args.withDescription("The action: a .js file (sent as code), a folder (zipped) or a .zip archive (both sent base64)"),
  Args.optional
)

const options = {
  main: Options.text("main").pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("The function the runtime calls"),
    Options.withDefault(defaults.main)
  ),
  param: Options.text("param").pipe(
    Options.withPseudoName("KEY=VALUE"),
    Options.withDescription("A parameter KEY=VALUE; VALUE is JSON when it parses as JSON, else text (repeatable)"),
    Options.repeated
  ),
  paramsJson: Options.text("params-json").pipe(
    Options.withPseudoName("JSON"),
    Options.withDescription("The parameters as one JSON object; --param entries are applied on top"),
    Options.optional
  ),
  image: Options.text("image").pipe(
    Options.withPseudoName("IMAGE"),
    Options.withDescription("The image to run (default: the project's Node.js runtime image, built when missing)"),
    Options.optional
  ),
  blackbox: Options.boolean("blackbox").pipe(
    Options.withDescription("The image is the user's: it is pulled as OpenWhisk pulls blackbox images, and logs are read without waiting for sentinels")
  ),
  memory: Options.text("memory").pipe(
    Options.withPseudoName("SIZE"),
    Options.withDescription("The container's memory limit, such as 256m"),
    Options.withDefault(defaults.memory)
  ),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("DURATION"),
    Options.withDescription("The time limit of /init and of each /run, such as 60s or 500ms"),
    Options.withDefault(defaults.timeout)
  ),
  logLimit: Options.text("log-limit").pipe(
    Options.withPseudoName("SIZE"),
    Options.withDescription("The most log bytes collected per activation, such as 10m"),
    Options.withDefault(defaults.logLimit)
  ),
  maxResponse: Options.text("max-response").pipe(
    Options.withPseudoName("SIZE"),
    Options.withDescription("The longest result kept whole, such as 1m"),
    Options.withDefault(defaults.maxResponse)
  ),
  network: Options.text("network").pipe(
    Options.withPseudoName("NETWORK"),
    Options.withDescription("The network the container joins (default: the configured one, bridge)"),
    Options.optional
  ),
  env: Options.text("env").pipe(
    Options.withPseudoName("K=V"),
    Options.withDescription("An environment variable K=V of the container (repeatable)"),
    Options.repeated
  ),
  repeat: Options.text("repeat").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("How many activations to run in the same container"),
    Options.withDefault(defaults.repeat)
  ),
  noSuspend: Options.boolean("no-suspend").pipe(
    Options.withDescription("Do not suspend and resume the container between activations")
  ),
  keep: Options.boolean("keep").pipe(Options.withDescription("Leave the container running at the end")),
  json: Options.boolean("json").pipe(
    Options.withDescription("Print exactly one JSON object on stdout (progress and diagnostics go to stderr)")
  )
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("invoke", { action, ...options }, (parsed) =>
  Effect.gen(function*() {
    const output = yield* Output
    const request = yield* toRequest(parsed)
    const report = yield* invoke(request, Progress.make(output), output.stderrIsTTY)
    output.stdout(`${request.json ? JSON.stringify(toJson(report)) : toText(report)}\n`)
    if (request.json && report.error !== undefined) output.stderr(`effect-whisk invoke: ${report.error}\n`)
    if (request.json && report.kept) {
      output.stderr(`effect-whisk invoke: container ${report.container.id} runs on; remove it with: docker rm -f ${report.container.id}\n`)
    }
    yield* ExitStatus.set(exitStatus(report))
  })).pipe(Command.withDescription("Run an action in a fresh container and print its result, logs and timings"))
