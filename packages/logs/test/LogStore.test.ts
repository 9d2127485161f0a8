// OpenWhisk's DockerToActivationLogStoreTests (T72–T78) over a container whose logs are a fixed list of LogLine
// JSON lines, plus the two improvements: lines that are not JSON, and notices recognised by their shape.
import { ByteSize, Errors, LogLine, Messages } from "@effect-whisk/core"
import { LogStore } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, FastCheck, Ref } from "effect"

const limit = ByteSize.megabytes(10)

const containerWith = (lines: ReadonlyArray<string>) =>
  Effect.map(Ref.make<ReadonlyArray<{ readonly limit: ByteSize.ByteSize; readonly waitForSentinel: boolean }>>([]), (asked) => ({
    logLines: (options: { readonly limit: ByteSize.ByteSize; readonly waitForSentinel: boolean }) =>
      Effect.as(Ref.update(asked, (all) => [...all, options]), lines),
    asked: Ref.get(asked)
  }))

const success = { limit, isDeveloperError: false, sentinelledLogs: true }
const developerError = { limit, isDeveloperError: true, sentinelledLogs: true }

const logLines = [LogLine.make("now", "stdout", "this is a log"), LogLine.make("now", "stdout", "this is a log too")]

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure === undefined) throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
  return failure
}

describe("LogStore.collect", () => {
  it.effect("T72 formats the lines", () =>
    Effect.gen(function*() {
      const container = yield* containerWith(logLines.map((line) => line.json))
      const logs = yield* LogStore.collect(container.logLines, success)
      assert.deepStrictEqual(logs, logLines.map((line) => line.formatted))
      assert.deepStrictEqual(yield* container.asked, [{ limit, waitForSentinel: true }])
    }))

  it.effect("T73 adds the developer-error warning and reads without waiting for sentinels", () =>
    Effect.gen(function*() {
      const container = yield* containerWith(logLines.map((line) => line.json))
      const logs = yield* LogStore.collect(container.logLines, developerError)
      assert.deepStrictEqual(logs.slice(0, -1), logLines.map((line) => line.formatted))
      assert.isTrue(logs.at(-1)!.endsWith(Messages.logWarningDeveloperError))
      assert.deepStrictEqual(yield* container.asked, [{ limit, waitForSentinel: false }])
    }))

  it.effect("T74 accepts an empty log", () =>
    Effect.gen(function*() {
      const container = yield* containerWith([])
      assert.deepStrictEqual(yield* LogStore.collect(container.logLines, success), [])
    }))

  it.effect("T75 an empty log with a developer error is only the warning", () =>
    Effect.gen(function*() {
      const container = yield* containerWith([])
      const logs = yield* LogStore.collect(container.logLines, developerError)
      assert.strictEqual(logs.length, 1)
      assert.isTrue(logs[0]!.endsWith(Messages.logWarningDeveloperError))
    }))

  it.effect("T76 a collection that ended with the failure notice is a LogCollectingError with the partial logs", () =>
    Effect.gen(function*() {
      const lines = [LogLine.make("now", "stdout", "this is a log"), LogLine.make("now", "stderr", Messages.logFailure)]
      const container = yield* containerWith(lines.map((line) => line.json))
      const error = failureOf(yield* Effect.exit(LogStore.collect(container.logLines, success)))
      assert.instanceOf(error, Errors.LogCollectingError)
      assert.deepStrictEqual(error.partialLogs, lines.map((line) => line.formatted))
      assert.strictEqual(error.message, "Failed to read logs")
    }))

  it.effect("T77 with a developer error, the partial logs end with the warning", () =>
    Effect.gen(function*() {
      const lines = [LogLine.make("now", "stdout", "this is a log"), LogLine.make("now", "stderr", Messages.logFailure)]
      const container = yield* containerWith(lines.map((line) => line.json))
      const error = failureOf(yield* Effect.exit(LogStore.collect(container.logLines, developerError)))
      assert.instanceOf(error, Errors.LogCollectingError)
      assert.deepStrictEqual(error.partialLogs.slice(0, -1), lines.map((line) => line.formatted))
      assert.isTrue(error.partialLogs.at(-1)!.endsWith(Messages.logWarningDeveloperError))
    }))

  it.effect("T78 truncated logs are a LogCollectingError", () =>
    Effect.gen(function*() {
      const lines = [
        LogLine.make("now", "stdout", "this is a log"),
        LogLine.make("now", "stderr", "Logs were truncated because the total bytes size exceeds the limit of 10485760 bytes.")
      ]
      const container = yield* containerWith(lines.map((line) => line.json))
      const error = failureOf(yield* Effect.exit(LogStore.collect(container.logLines, success)))
      assert.instanceOf(error, Errors.LogCollectingError)
      assert.deepStrictEqual(error.partialLogs, lines.map((line) => line.formatted))
    }))

  it.effect("a line that is not JSON is reported in place; the other lines are kept", () =>
    Effect.gen(function*() {
      const container = yield* containerWith([logLines[0]!.json, "garbage {", logLines[1]!.json])
      const logs = yield* LogStore.collect(container.logLines, success)
      assert.strictEqual(logs.length, 3)
      assert.strictEqual(logs[0], logLines[0]!.formatted)
      assert.include(logs[1], "not a JSON log line: garbage {")
      assert.strictEqual(logs[2], logLines[1]!.formatted)
    }))

  it.effect("formats exactly as LogLine does, and reports lines that are not log lines in place", () =>
    Effect.gen(function*() {
      const lines = [
        LogLine.make("2024-05-01T10:00:00.123456789Z", "stderr", "windows line end\r\n").json,
        LogLine.make("t", "stdout", "two line ends\n\n").json,
        JSON.stringify({ log: "docker order\n", stream: "stdout", time: "2024-05-01T10:00:00Z", attrs: {} }),
        JSON.stringify({ log: 42, stream: "stdout", time: "t" }),
        JSON.stringify(["not", "an", "object"]),
        ""
      ]
      const logs = yield* LogStore.collect((yield* containerWith(lines)).logLines, success)
      assert.deepStrictEqual(logs, lines.map(LogLine.formatRaw))
      assert.include(logs[3], "not a JSON log line")
      assert.include(logs[5], "not a JSON log line")
    }))

  it.effect.prop("formats any line as LogLine does, in Docker's field order or not, escaped or not", {
    log: FastCheck.oneof(FastCheck.string(), FastCheck.string({ unit: "binary" }), FastCheck.constantFrom("a\n", "a\r\n", "a\r", "\n", "", "\"q\"\n", "\\n", "tab\tx\n")),
    stream: FastCheck.oneof(FastCheck.constantFrom("stdout", "stderr"), FastCheck.string()),
    time: FastCheck.oneof(FastCheck.constantFrom("2024-05-01T10:00:00.123456789Z", "t", ""), FastCheck.string()),
    order: FastCheck.constantFrom("docker", "openwhisk", "extra")
  }, ({ log, order, stream, time }) =>
    Effect.gen(function*() {
      const raw = order === "docker"
        ? JSON.stringify({ log, stream, time })
        : order === "openwhisk"
        ? JSON.stringify({ time, stream, log })
        : JSON.stringify({ log, stream, attrs: {}, time })
      const logs = yield* LogStore.collect((yield* containerWith([raw])).logLines, success)
      assert.deepStrictEqual(logs, [LogLine.formatRaw(raw)])
    }))

  it.effect("a user's own line with the notice text, as Docker writes it, is not a collection problem", () =>
    Effect.gen(function*() {
      const userLine = JSON.stringify({ log: `${Messages.logFailure}\n`, stream: "stderr", time: "2024-05-01T10:00:00.1Z" })
      const container = yield* containerWith([userLine])
      const logs = yield* LogStore.collect(container.logLines, success)
      assert.deepStrictEqual(logs, [LogLine.formatRaw(userLine)])
    }))

  it.effect("a notice that is not the last line does not fail the collection", () =>
    Effect.gen(function*() {
      const lines = [LogLine.make("now", "stderr", Messages.logFailure), LogLine.make("now", "stdout", "later")]
      const container = yield* containerWith(lines.map((line) => line.json))
      assert.deepStrictEqual(yield* LogStore.collect(container.logLines, success), lines.map((line) => line.formatted))
    }))

  it.effect("T108 a limit of 0 gives no lines, no warning and no failure, whatever the container's lines", () =>
    Effect.gen(function*() {
      const lines = [LogLine.make("now", "stdout", "this is a log"), LogLine.make("now", "stderr", Messages.logFailure)]
      const container = yield* containerWith(lines.map((line) => line.json))
      const zero = ByteSize.bytes(0)
      assert.deepStrictEqual(yield* LogStore.collect(container.logLines, { ...success, limit: zero }), [])
      assert.deepStrictEqual(yield* LogStore.collect(container.logLines, { ...developerError, limit: zero }), [])
      // The container's collection still runs: it moves the cursor past the activation.
      assert.deepStrictEqual(yield* container.asked, [
        { limit: zero, waitForSentinel: true },
        { limit: zero, waitForSentinel: false }
      ])
    }))

  it.effect("blackbox logs without sentinels are read to the end", () =>
    Effect.gen(function*() {
      const container = yield* containerWith([])
      yield* LogStore.collect(container.logLines, { ...success, sentinelledLogs: false })
      assert.deepStrictEqual(yield* container.asked, [{ limit, waitForSentinel: false }])
    }))

  it.effect("other failures of the container's logs propagate", () =>
    Effect.gen(function*() {
      const error = new Errors.LogFileError({ path: "/gone", reason: "NotFound" })
      const exit = yield* Effect.exit(LogStore.collect(() => Effect.fail(error), success))
      const failure = failureOf(exit)
      assert.instanceOf(failure, Errors.LogFileError)
      assert.deepStrictEqual([failure.path, failure.reason], [error.path, error.reason])
    }))
})
