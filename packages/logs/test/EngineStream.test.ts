// Activation logs from the engine's log stream (LogSource.EngineStream) over a scripted engine: the same rules as the
// json-file log (sentinels on stdout and stderr, the limit and its notice, the failure notice, the no-stale-lines
// rule), the stream cursor (a time and the records seen at it) across collections and reconnections, and a container
// removed while its logs are read. Live: the scripted engine and the reconnections wait on real time.
import { ByteSize, LogSource, Messages } from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, FastCheck, Fiber, Ref, Stream } from "effect"
import { activation, at, err, out, scriptedEngine, sentinel } from "./support/scriptedEngine.js"

const options = (
  limit: ByteSize.ByteSize,
  waitForSentinel: boolean,
  idleTimeout: Duration.DurationInput = "2 seconds"
): ActivationLogs.Options => ({ limit, waitForSentinel, idleTimeout, timeoutPerMB: "2 seconds", pollInterval: "5 millis" })

const mb = ByteSize.megabytes(1)

/** The cursor's time and how many records were seen from it on. */
const position = (cursor: ActivationLogs.Cursor) =>
  Effect.map(Ref.get(cursor.stream), (stream) => [stream.time, stream.seen.length] as const)

const window = LogSource.reorderWindow

const textOf = (raw: string) => (JSON.parse(raw) as { log: string }).log
const streamOf = (raw: string) => (JSON.parse(raw) as { stream: string }).stream

const collectAll = (source: LogSource.LogSource, cursor: ActivationLogs.Cursor, opts: ActivationLogs.Options) =>
  ActivationLogs.collectAll(source, cursor, opts)

const streamed = (source: LogSource.LogSource, cursor: ActivationLogs.Cursor, opts: ActivationLogs.Options) =>
  Effect.map(Stream.runCollect(ActivationLogs.collect(source, cursor, opts)), Chunk.toReadonlyArray)

describe("ActivationLogs from the engine's log stream", () => {
  it.live("a record becomes the line Docker's json-file driver wrote for it: its escapes, its time, its field order", () =>
    Effect.gen(function*() {
      // Written by a container on dockerd 20.10 (`echo "a<b>&c"; printf "x\tq\bz\n"; echo err >&2`): the log file's
      // lines, and the records its log API gave for them (times with nine digits there).
      const file = [
        `{"log":"a\\u003cb\\u003e\\u0026c\\n","stream":"stdout","time":"2026-12-03T10:13:39.15150629Z"}`,
        `{"log":"x\\u0009q\\u0008z\\n","stream":"stdout","time":"2026-12-03T10:13:39.152711918Z"}`,
        `{"log":"err\\n","stream":"stderr","time":"2026-12-03T10:13:39.152724436Z"}`
      ]
      const engine = scriptedEngine([
        LogSource.record("2026-12-03T10:13:39.151506290Z", "stdout", "a<b>&c\n"),
        LogSource.record("2026-12-03T10:13:39.152711918Z", "stdout", "x\tq\bz\n"),
        LogSource.record("2026-12-03T10:13:39.152724436Z", "stderr", "err\n")
      ])
      const lines = yield* collectAll(engine.source, yield* ActivationLogs.makeCursor, options(mb, false))
      assert.deepStrictEqual(lines, file)
      // The same bytes through the json-file path give the same lines.
      const fromFile = yield* collectAll(LogSource.fromBytes(file.map((line) => `${line}\n`).join("")), yield* ActivationLogs.makeCursor, options(mb, false))
      assert.deepStrictEqual(fromFile, file)
    }))

  it.live("stdout and stderr interleaved: every line in the engine's order, sentinels on both streams end it, the next activation starts after them", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([
        out(at(1), "one\n"),
        err(at(2), "two\n"),
        out(at(3), "three\n"),
        err(at(4), sentinel),
        err(at(5), "four\n"),
        out(at(6), sentinel),
        out(at(7), "next\n"),
        ...activation(at(8))
      ])
      const cursor = yield* ActivationLogs.makeCursor
      const first = yield* collectAll(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(first.map(textOf), ["one\n", "two\n", "three\n", "four\n"])
      assert.deepStrictEqual(first.map(streamOf), ["stdout", "stderr", "stdout", "stderr"])
      // The earlier of the two streams' last times: the stderr line at 5 was taken after the stdout one at 3.
      assert.deepStrictEqual(yield* position(cursor), [at(5), 2])
      const second = yield* streamed(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(second.map(textOf), ["next\n"])
      // From the start: the whole log. From a cursor: its last 256 records and as many as it has seen (2), which
      // hold the seen ones.
      assert.deepStrictEqual(engine.requests.map((request) => [request.since, request.tail]), [
        [0n, undefined],
        [0n, 258]
      ])
    }))

  it.live("the engine closes the stream mid-activation: asked again from the cursor, no line lost or given twice", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([out(at(1), "a\n"), out(at(2), "b\n"), out(at(3), "c\n")])
      // The first request ends after two records, the second at once; the third stays open.
      engine.closeAfter(2, 0)
      const cursor = yield* ActivationLogs.makeCursor
      const collecting = yield* Effect.fork(collectAll(engine.source, cursor, options(mb, true)))
      yield* Effect.sleep("100 millis")
      engine.append(out(at(4), "d\n"), ...activation(at(5), "e"))
      const lines = yield* Fiber.join(collecting)
      assert.deepStrictEqual(lines.map(textOf), ["a\n", "b\n", "c\n", "d\n", "e\n"])
      assert.isTrue(engine.requests.length >= 3)
      assert.isTrue(engine.requests.every((request) => request.follow))
      assert.deepStrictEqual(yield* position(cursor), [at(5), 3])
    }))

  it.live("several lines with the same time across a reconnection and across activations: each given once", () =>
    Effect.gen(function*() {
      const t = at(100)
      const engine = scriptedEngine([
        out(t, "1\n"),
        out(t, "2\n"),
        err(t, "3\n"),
        out(t, "4\n"),
        out(t, sentinel),
        err(t, sentinel),
        // The next activation writes within the same tick.
        out(t, "next 1\n"),
        out(t, "next 2\n"),
        out(t, sentinel),
        err(t, sentinel)
      ])
      // The engine closes the first stream after two records, the second after three (two of them seen already).
      engine.closeAfter(2, 3)
      const cursor = yield* ActivationLogs.makeCursor
      const first = yield* collectAll(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(first.map(textOf), ["1\n", "2\n", "3\n", "4\n"])
      assert.deepStrictEqual(yield* position(cursor), [t, 6])
      const second = yield* collectAll(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(second.map(textOf), ["next 1\n", "next 2\n"])
      assert.deepStrictEqual(yield* position(cursor), [t, 10])
    }))

  it.live("from a cursor the engine is asked for its last records, a larger tail while they do not reach back past the cursor", () =>
    Effect.gen(function*() {
      // 2,000 lines, then a short activation, and 300 lines of the next one already written when its collection starts.
      const ms = (n: number) => at(0) + BigInt(n) * 100_000n
      const long = Array.from({ length: 2000 }, (_, i) => out(ms(i), `line ${i}\n`))
      const next = Array.from({ length: 300 }, (_, i) => out(ms(4000 + i), `next ${i}\n`))
      const engine = scriptedEngine([...long, out(ms(2000), sentinel), err(ms(2000), sentinel), ...next, ...activation(ms(5000), "end")])
      const cursor = yield* ActivationLogs.makeCursor
      assert.strictEqual((yield* collectAll(engine.source, cursor, options(mb, true))).length, 2000)
      const second = yield* collectAll(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(second.map(textOf), [...next.map((record) => record.text), "end\n"])
      // The last 258 records (256 and the two seen) are the next activation's: they do not hold the cursor's seen
      // records (the long one's two sentinels); four times as many do.
      assert.deepStrictEqual(engine.requests.map((request) => [request.since, request.tail]), [
        [0n, undefined],
        [0n, 258],
        [0n, 1032]
      ])
    }))

  it.live("a line the engine wrote after one stamped later on the other stream: the next activation still starts right after the sentinels", () =>
    Effect.gen(function*() {
      // The engine stamps each stream as it reads its pipe: here the stdout sentinel, stamped at 2, was written after
      // the stderr sentinel stamped at 3. Asked from 3 with one seen, the engine would give the stdout sentinel again
      // first; asked from the last time alone, it would leave it out.
      const engine = scriptedEngine([
        out(at(1), "x\n"),
        err(at(3), sentinel),
        out(at(2), sentinel),
        out(at(4), "y\n"),
        err(at(5), "z\n"),
        out(at(6), sentinel),
        err(at(7), sentinel)
      ])
      const cursor = yield* ActivationLogs.makeCursor
      assert.deepStrictEqual((yield* collectAll(engine.source, cursor, options(mb, true))).map(textOf), ["x\n"])
      assert.deepStrictEqual(yield* position(cursor), [at(2), 2])
      assert.deepStrictEqual((yield* collectAll(engine.source, cursor, options(mb, true))).map(textOf), ["y\n", "z\n"])
    }))

  it.live("the limit: the truncation notice, then the rest of the activation passed over, so the next one gets only its own lines", () =>
    Effect.gen(function*() {
      const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${"x".repeat(40)}`)
      const engine = scriptedEngine([...activation(at(1), ...lines), ...activation(at(2), "own")])
      const cursor = yield* ActivationLogs.makeCursor
      const limit = ByteSize.bytes(300)
      const first = yield* collectAll(engine.source, cursor, options(limit, true))
      assert.strictEqual(textOf(first.at(-1)!), Messages.truncateLogs(limit))
      assert.isBelow(first.length, lines.length)
      assert.deepStrictEqual(first.slice(0, -1).map(textOf), lines.slice(0, first.length - 1).map((line) => `${line}\n`))
      assert.deepStrictEqual(yield* position(cursor), [at(1), lines.length + 2])
      const second = yield* collectAll(engine.source, cursor, options(mb, true))
      assert.deepStrictEqual(second.map(textOf), ["own\n"])
    }))

  it.live("a line longer than the limit: the failure notice, then the rest of the activation passed over", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([
        out(at(1), "short\n"),
        out(at(2), `${"x".repeat(500)}\n`),
        out(at(3), "after\n"),
        out(at(4), sentinel),
        err(at(4), sentinel),
        ...activation(at(5), "own")
      ])
      const cursor = yield* ActivationLogs.makeCursor
      const first = yield* collectAll(engine.source, cursor, options(ByteSize.bytes(300), true))
      assert.deepStrictEqual(first.map(textOf), ["short\n", Messages.logFailure])
      assert.deepStrictEqual((yield* collectAll(engine.source, cursor, options(mb, true))).map(textOf), ["own\n"])
    }))

  it.live("a limit of 0 collects nothing and passes over the activation", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([...activation(at(1), "a", "b"), ...activation(at(2), "c")])
      const cursor = yield* ActivationLogs.makeCursor
      assert.deepStrictEqual(yield* collectAll(engine.source, cursor, options(ByteSize.bytes(0), true)), [])
      assert.deepStrictEqual((yield* collectAll(engine.source, cursor, options(mb, true))).map(textOf), ["c\n"])
    }))

  it.live("no sentinel within the idle timeout: the failure notice as the last line, and the cursor after the lines taken", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([out(at(1), "started\n")])
      const cursor = yield* ActivationLogs.makeCursor
      const lines = yield* collectAll(engine.source, cursor, options(mb, true, "200 millis"))
      assert.deepStrictEqual(lines.map(textOf), ["started\n", Messages.logFailure])
      assert.deepStrictEqual(yield* position(cursor), [at(1) - window, 1])
    }))

  it.live("without waiting for sentinels: one request that does not follow, what the log holds now, no notice", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([out(at(1), "blackbox\n"), err(at(2), "done\n")])
      const cursor = yield* ActivationLogs.makeCursor
      const lines = yield* collectAll(engine.source, cursor, options(mb, false))
      assert.deepStrictEqual(lines.map(textOf), ["blackbox\n", "done\n"])
      assert.deepStrictEqual(engine.requests, [{ since: 0n, follow: false }])
    }))

  it.live("a container removed while its logs are read: the collection fails with the engine's NotFound, without waiting for a timeout", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([out(at(1), "working\n")])
      const cursor = yield* ActivationLogs.makeCursor
      // An idle timeout longer than the test's own: only the engine's answer can end the collection in time.
      const collecting = yield* Effect.fork(collectAll(engine.source, cursor, options(mb, true, "60 seconds")))
      yield* Effect.sleep("50 millis")
      engine.remove()
      const error = yield* Effect.flip(Fiber.join(collecting))
      assert.strictEqual(error._tag, "DockerEngineError")
      assert.strictEqual(error.reason, "NotFound")
      // The lock was released: a next collection runs (and fails the same way).
      const again = yield* Effect.flip(collectAll(engine.source, cursor, options(mb, true)))
      assert.strictEqual(again.reason, "NotFound")
    }), 20_000)

  it.live("interrupted while following: the open request is closed and the lock released", () =>
    Effect.gen(function*() {
      const engine = scriptedEngine([out(at(1), "a\n")])
      const cursor = yield* ActivationLogs.makeCursor
      const collecting = yield* Effect.fork(collectAll(engine.source, cursor, options(mb, true)))
      yield* Effect.sleep("30 millis")
      yield* Fiber.interrupt(collecting)
      engine.append(out(at(2), "b\n"), ...activation(at(3)))
      const next = yield* collectAll(engine.source, cursor, options(mb, true))
      // Nothing was consumed by the interrupted collection beyond what it had read.
      assert.deepStrictEqual(next.map(textOf), ["b\n"])
    }))

  // The engine's order: each stream's times grow, but a line may follow one stamped after it on the other stream
  // (within an activation); lines share times (a coarse clock); the engine closes streams after any number of records.
  const activationsOf = FastCheck.array(
    FastCheck.array(FastCheck.record({ stderr: FastCheck.boolean(), tick: FastCheck.nat({ max: 3 }) }), { maxLength: 6 }),
    { minLength: 1, maxLength: 4 }
  )

  it.live.prop("whatever the engine's order, shared times and closed streams, each activation gets exactly its own lines", {
    activations: activationsOf,
    swaps: FastCheck.array(FastCheck.nat({ max: 40 }), { maxLength: 6 }),
    closes: FastCheck.array(FastCheck.nat({ max: 8 }), { maxLength: 4 })
  }, ({ activations, closes, swaps }) =>
    Effect.gen(function*() {
      let clock = 0
      const file: Array<LogSource.LogRecord> = []
      const expected: Array<Array<string>> = []
      activations.forEach((lines, a) => {
        const records = lines.map((line, i) => {
          clock += line.tick
          return (line.stderr ? err : out)(at(clock), `a${a} l${i}\n`)
        })
        clock += 1
        records.push(out(at(clock), sentinel), err(at(clock), sentinel))
        // Swap neighbours of different streams: the later-stamped one first, as the engine may write them.
        for (const swap of swaps) {
          const i = swap % records.length
          if (i + 1 < records.length && records[i]!.stream !== records[i + 1]!.stream) {
            ;[records[i], records[i + 1]] = [records[i + 1]!, records[i]!]
          }
        }
        file.push(...records)
        expected.push(records.filter((record) => record.text !== sentinel).map((record) => record.text))
        clock += 1
      })
      const engine = scriptedEngine(file)
      engine.closeAfter(...closes)
      const cursor = yield* ActivationLogs.makeCursor
      for (const own of expected) {
        const lines = yield* collectAll(engine.source, cursor, options(mb, true, "500 millis"))
        assert.deepStrictEqual(lines.map(textOf), own)
      }
    }), { fastCheck: { numRuns: 40 } })
})
