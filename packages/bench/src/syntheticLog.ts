import { Messages } from "@effect-whisk/core"
import { Effect } from "effect"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

export type LogStream = "stdout" | "stderr"

// Docker writes nanoseconds; a Date has milliseconds.
const dockerTime = (date: Date) => date.toISOString().replace("Z", "000000Z")

/** One entry of Docker's json-file log driver, with its line end. */
export const jsonLine = (log: string, stream: LogStream, time: Date = new Date()): string =>
  `${JSON.stringify({ log: `${log}\n`, stream, time: dockerTime(time) })}\n`

/** What the runtime prints at the end of an activation: one sentinel line on each stream. */
export const sentinelLines = (time: Date = new Date()): string =>
  jsonLine(Messages.activationLogSentinel, "stdout", time) + jsonLine(Messages.activationLogSentinel, "stderr", time)

/**
 * A path in the temporary directory named after the figure and this process; whatever is there is removed when
 * the scope closes, also on a failure or an interruption.
 */
export const temporaryFile = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => join(tmpdir(), `effect-whisk-bench-${name}-${process.pid}.log`)),
    (path) => Effect.promise(() => rm(path, { force: true }))
  )
