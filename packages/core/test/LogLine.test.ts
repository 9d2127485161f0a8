import { LogLine } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, TestClock } from "effect"

describe("LogLine", () => {
  it("formats as OpenWhisk: time padded to 30, stream, log without its line end", () => {
    assert.strictEqual(
      LogLine.make("1970-01-01T00:00:00Z", "stdout", "This is a log entry.\n").formatted,
      "1970-01-01T00:00:00Z           stdout: This is a log entry."
    )
    assert.strictEqual(LogLine.make("t", "stderr", "a\r\n").formatted, `${"t".padEnd(30)} stderr: a`)
    assert.strictEqual(LogLine.make("t", "stderr", "a\n\n").formatted, `${"t".padEnd(30)} stderr: a\n`)
  })

  it("parses a docker json-file line and ignores extra fields", () => {
    const line = `{"log":"hello\\n","stream":"stdout","time":"2019-01-15T08:31:20.957123456Z","attrs":{}}`
    assert.deepStrictEqual(LogLine.parse(line), Either.right(LogLine.make("2019-01-15T08:31:20.957123456Z", "stdout", "hello\n")))
  })

  it("reports a garbage line in place instead of failing", () => {
    assert.isTrue(Either.isLeft(LogLine.parse("not json")))
    assert.include(LogLine.formatRaw("not json"), "not a JSON log line: not json")
  })

  it("writes JSON in the order time, stream, log", () => {
    assert.strictEqual(LogLine.make("t", "stderr", "x").json, `{"time":"t","stream":"stderr","log":"x"}`)
  })

  it.effect("stamps notices with the current time on stderr", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2024-05-01T10:00:00.123Z"))
      const notice = yield* LogLine.notice("There was an issue while collecting your logs. Data might be missing.")
      assert.strictEqual(
        notice.json,
        `{"time":"2024-05-01T10:00:00.123Z","stream":"stderr","log":"There was an issue while collecting your logs. Data might be missing."}`
      )
    }))
})
