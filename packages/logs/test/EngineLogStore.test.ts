// The development log store over the engine's log stream (B33), on a scripted engine: one request that does not
// follow, from the activation's start to its end + 1 s; stdout lines up to the first sentinel, as `docker logs
// --timestamps` prints them, without limit; a timeout on the whole request.
import { Interval, LogSource } from "@effect-whisk/core"
import { EngineLogStore } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { err, out, sentinel } from "./support/scriptedEngine.js"

const second = 1_000_000_000n
// The activation ran from 10:00:00.500 to 10:00:01.250.
const base = LogSource.parseTime("2026-12-03T10:00:00Z")!
const startMillis = Number(base / 1_000_000n) + 500
const activation = Interval.make(startMillis, startMillis + 750)
const ms = (n: number) => base + BigInt(n) * 1_000_000n

describe("EngineLogStore", () => {
  it.effect("B33 asks from the activation's start to its end + 1 s and keeps the stdout lines up to the first sentinel", () =>
    Effect.gen(function*() {
      const requests: Array<LogSource.StreamRequest> = []
      const all = [
        out(ms(400), "the earlier activation, in the same second\n"),
        out(ms(600), "first\n"),
        err(ms(700), "on stderr\n"),
        out(ms(800), `${"long ".repeat(5000)}\n`),
        out(ms(900), "last\n"),
        out(ms(1000), sentinel),
        err(ms(1000), sentinel),
        out(ms(1100), "the next activation\n"),
        out(ms(2300), "after end + 1 s\n")
      ]
      const scripted = LogSource.fromRecords(all) as LogSource.EngineStream
      const source: LogSource.EngineStream = {
        _tag: "EngineStream",
        tail: false,
        records: (request) => Stream.suspend(() => {
          requests.push(request)
          return scripted.records(request)
        })
      }
      const lines = yield* EngineLogStore.fetch(source, activation)
      assert.deepStrictEqual(lines, [
        "2026-12-03T10:00:00.600000000Z first",
        `2026-12-03T10:00:00.800000000Z ${"long ".repeat(5000)}`,
        "2026-12-03T10:00:00.900000000Z last"
      ])
      assert.deepStrictEqual(requests, [{ since: ms(500), until: ms(1250) + second, follow: false }])
    }))

  it.live("an engine slower than the timeout: a Timeout DockerEngineError", () =>
    Effect.gen(function*() {
      const source: LogSource.EngineStream = { _tag: "EngineStream", tail: false, records: () => Stream.never }
      const error = yield* Effect.flip(EngineLogStore.fetch(source, activation, { timeout: "100 millis" }))
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.operation, "logs")
    }))
})
