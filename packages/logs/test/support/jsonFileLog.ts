// Real json-file logs for the file reader's tests: lines as Docker's json-file driver writes them (`log` first, then
// `stream` and `time`), and an empty log file in a temporary directory that is removed with the test's scope.
import { Messages } from "@effect-whisk/core"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const dockerLine = (log: string, stream = "stdout") =>
  `${JSON.stringify({ log, stream, time: "2024-05-01T10:00:00.123456789Z" })}\n`

export const sentinels = dockerLine(`${Messages.activationLogSentinel}\n`, "stdout") +
  dockerLine(`${Messages.activationLogSentinel}\n`, "stderr")

export const tempLogFile = Effect.acquireRelease(
  Effect.sync(() => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-json-log-"))
    const path = join(directory, "0123-json.log")
    writeFileSync(path, "")
    return { directory, path }
  }),
  ({ directory }) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)
