/**
 * The `effect-whisk` executable's entry: help, the version and a mistyped command line are answered from the
 * command descriptors without loading Effect; any other command line loads and runs `main`.
 *
 * @since 0.1.0
 */
import * as CommandLine from "./internal/commandLine.js"
import * as Help from "./internal/help.js"

const answered = CommandLine.answer(process.argv.slice(2), Help.detect(process.stdout, process.env))
if (answered === undefined) {
  await import("./main.js")
} else {
  process.stdout.write(answered.stdout)
  process.stderr.write(answered.stderr)
  process.exitCode = answered.status
}
