/**
 * `effect-whisk doctor`: checks that an action can run on this set-up and says what to change where it cannot. It
 * asks the engine for its version, looks at this machine's cgroups, the freezer setting, the runtime image and the
 * configured registries, then runs one no-op activation on a real container (create, /init, /run, logs, suspend,
 * resume, /run, destroy) and reports the address, log source and freezer strategy the container used. Exits 0 when
 * an action can run, 3 when it cannot.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { Effect } from "effect"
import * as ExitStatus from "./ExitStatus.js"
import * as CliOptions from "./internal/cliOptions.js"
import * as Spec from "./internal/commandSpec.js"
import { type Diagnosis, diagnose } from "./internal/diagnosis.js"
import { Output } from "./Output.js"

const width = 9

/**
 * The diagnosis as a person reads it: one line per check (status, name, what was found), and under a check that is
 * not ok, what to change.
 *
 * @since 0.1.0
 * @category formatting
 */
export const toText = (diagnosis: Diagnosis): string =>
  [
    ...diagnosis.checks.flatMap((check) => [
      `${check.status.padEnd(5)} ${check.name.padEnd(width)} ${check.summary}`,
      ...(check.fix === undefined ? [] : [`${"".padEnd(6 + width)} fix: ${check.fix}`])
    ]),
    diagnosis.canRun ? "actions can run here" : "actions cannot run here until the failed checks are fixed"
  ].join("\n")

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("doctor", { json: CliOptions.flag(Spec.doctorOptions.json) }, ({ json }) =>
  Effect.gen(function*() {
    const output = yield* Output
    const diagnosis = yield* diagnose
    output.stdout(`${json ? JSON.stringify(diagnosis) : toText(diagnosis)}\n`)
    if (!diagnosis.canRun) yield* ExitStatus.set(ExitStatus.internalError)
  })).pipe(Command.withDescription(Spec.doctor.description))
