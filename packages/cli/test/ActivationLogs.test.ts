// The CLI's log collection after an activation (B31): logs cut short keep their partial lines (T112), and a read
// that fails outright leaves OpenWhisk's single failure line and says why (T113). The container's logLines is scripted.
import { ByteSize, Errors, LogLine, Messages } from "@effect-whisk/core"
import type { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as ActivationLogs from "../src/internal/activationLogs.js"

/** A container whose only used part, `logLines`, gives `lines` (raw json log lines) or fails with `failure`. */
const containerWith = (logLines: DockerContainer.DockerContainer["logLines"]) =>
  ({ logLines }) as unknown as DockerContainer.DockerContainer

const raw = (stream: "stdout" | "stderr", log: string) =>
  JSON.stringify({ log, stream, time: "2026-12-03T07:00:00.000000000Z" })

const options = { limit: ByteSize.megabytes(10), sentinels: true, developerError: false }

describe("the CLI's activation logs", () => {
  it.effect("T112 a collection that ended with the failure notice keeps the partial lines, the notice last", () =>
    Effect.gen(function*() {
      const notice = yield* LogLine.notice(Messages.logFailure)
      const container = containerWith(() => Effect.succeed([raw("stdout", "this log line made it\n"), notice.json]))
      const logs = yield* ActivationLogs.collect(container, options)
      assert.strictEqual(logs.lines.length, 2)
      assert.include(logs.lines[0]!, "stdout: this log line made it")
      assert.include(logs.lines[1]!, `stderr: ${Messages.logFailure}`)
      assert.isUndefined(logs.problem)
    }))

  it.effect("T113 a read that fails outright leaves only the failure line, and says what went wrong", () =>
    Effect.gen(function*() {
      const failure = new Errors.LogFileError({ path: "/var/lib/docker/containers/x/x-json.log", reason: "NotFound" })
      const container = containerWith(() => Effect.fail(failure))
      const logs = yield* ActivationLogs.collect(container, options)
      assert.deepStrictEqual(logs.lines, [Messages.logFailure])
      assert.strictEqual(logs.problem, failure.message)
    }))

  it.effect("B31 after a developer error the lines end with the warning and the read does not wait for sentinels", () =>
    Effect.gen(function*() {
      const asked: Array<boolean> = []
      const container = containerWith((request) => {
        asked.push(request.waitForSentinel)
        return Effect.succeed([raw("stderr", "boom\n")])
      })
      const logs = yield* ActivationLogs.collect(container, { ...options, developerError: true })
      assert.deepStrictEqual(asked, [false])
      assert.include(logs.lines.at(-1)!, Messages.logWarningDeveloperError)
      assert.isUndefined(logs.problem)
    }))
})
