/**
 * The `effect-whisk` executable: runs the command line with the live layers and exits with the command's status
 * (Ctrl-C interrupts the command, whose pool then removes every container it made, and exits with 130).
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer, Logger, LogLevel } from "effect"
import * as Cli from "./Cli.js"
import * as ExitStatus from "./ExitStatus.js"
import * as Help from "./internal/help.js"
import * as LiveLayer from "./internal/liveLayer.js"
import * as Output from "./Output.js"
import * as RuntimeImage from "./RuntimeImage.js"

// Library logs go to stderr, so that `--json` leaves stdout to the one JSON object; `--log-level` lowers the level.
const logging = Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true })).pipe(
  Layer.merge(Logger.minimumLogLevel(LogLevel.Warning))
)

// Building the layers contacts nothing; it fails on a bad EFFECT_WHISK_ variable (a usage error) or an unusable
// DOCKER_HOST (an internal error).
const program = Cli.run(process.argv, Help.detect(process.stdout, process.env)).pipe(
  Effect.provide(Layer.mergeAll(LiveLayer.layer, RuntimeImage.layer, NodeContext.layer)),
  Effect.catchAll((error) =>
    Effect.sync(() => {
      process.stderr.write(`effect-whisk: ${error._tag === "ConfigError" ? `invalid configuration: ${String(error)}` : error.message}\n`)
      return error._tag === "ConfigError" ? ExitStatus.usageError : ExitStatus.internalError
    })
  ),
  Effect.provide(Layer.merge(Output.layer, logging))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(Exit.match(exit as Exit.Exit<number, unknown>, {
      onSuccess: (status) => status,
      onFailure: (cause) => {
        if (Cause.isInterruptedOnly(cause)) return ExitStatus.interrupted
        process.stderr.write(`effect-whisk: internal error: ${Cause.pretty(cause)}\n`)
        return ExitStatus.internalError
      }
    }))
})
