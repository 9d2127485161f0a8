// The activation-log pipeline over in-memory log files: framing, the byte limit, sentinels, timeouts, notices, the
// offset rule and serialised collections. Time-driven cases run on the TestClock.
import { ByteSize, Errors, LogLine, LogSource, Messages } from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Exit, Fiber, FastCheck, Option, Ref, Schedule, Stream, TestClock } from "effect"
import { type Bytes, byteLength, bytes, collectAll, cutAt, entry, epoch, logOf, makeLogFile, raw } from "./support/rawLogs.js"

const options = (limit: ByteSize.ByteSize, waitForSentinel: boolean): ActivationLogs.Options => ({
  limit,
  waitForSentinel,
  idleTimeout: "2 seconds",
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
})

const line = (log: string, stream = "stdout", time = epoch) => LogLine.make(time, stream, log)

const collectFrom = (
  file: { readonly source: LogSource.LogSource },
  cursor: ActivationLogs.Cursor,
  limit: ByteSize.ByteSize,
  waitForSentinel: boolean
) => collectAll(ActivationLogs.collect(file.source, cursor, options(limit, waitForSentinel)))

describe("ActivationLogs.collect", () => {
  it.effect("emits the lines up to the second sentinel, leaves the sentinels out and stops right after them", () =>
    Effect.gen(function*() {
      const first = raw([line("one\n"), line("two\n", "stderr")], true)
      const file = yield* makeLogFile(first + raw([line("next activation\n")]))
      const cursor = yield* ActivationLogs.makeCursor
      const out = yield* collectFrom(file, cursor, ByteSize.megabytes(1), true)
      assert.deepStrictEqual(out, [line("one\n").json, line("two\n", "stderr").json])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
      assert.deepStrictEqual(yield* file.reads, [{ offset: 0 }])
    }))

  it.effect("reads to the end without waiting for sentinels when told so", () =>
    Effect.gen(function*() {
      const file = yield* makeLogFile(raw([entry]))
      const cursor = yield* ActivationLogs.makeCursor
      assert.deepStrictEqual(yield* collectFrom(file, cursor, ByteSize.megabytes(1), false), [entry.json])
      assert.deepStrictEqual(yield* file.reads, [{ offset: 0 }])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(raw([entry])))
    }))

  it.effect("a total weight equal to the limit passes; one byte less ends with the truncation notice", () =>
    Effect.gen(function*() {
      const content = raw([entry, line("second\n")])
      const exact = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.bytes(byteLength(content)), false)
      assert.deepStrictEqual(exact, [entry.json, line("second\n").json])
      const under = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.bytes(byteLength(content) - 1), false)
      assert.strictEqual(under.length, 2)
      assert.strictEqual(under[0], entry.json)
      assert.strictEqual(logOf(under[1]!), `Logs were truncated because the total bytes size exceeds the limit of ${byteLength(content) - 1} bytes.`)
    }))

  it.effect("a line longer than the limit ends with the failure notice", () =>
    Effect.gen(function*() {
      const long = line("x".repeat(500))
      const file = yield* makeLogFile(raw([entry, long]))
      const out = yield* collectFrom(file, yield* ActivationLogs.makeCursor, ByteSize.bytes(byteLength(raw([entry])) + 100), false)
      assert.deepStrictEqual(out.map(logOf), [entry.log, Messages.logFailure])
    }))

  it.effect("a partial last line ends a read to the end with the failure notice and is read again next time", () =>
    Effect.gen(function*() {
      const whole = raw([entry, line("second\n")])
      const file = yield* makeLogFile(whole.slice(0, -10))
      const cursor = yield* ActivationLogs.makeCursor
      const out = yield* collectFrom(file, cursor, ByteSize.bytes(byteLength(whole)), false)
      assert.deepStrictEqual(out.map(logOf), [entry.log, Messages.logFailure])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(raw([entry])))
      yield* file.append(whole.slice(-10))
      assert.deepStrictEqual(yield* collectFrom(file, cursor, ByteSize.megabytes(1), false), [line("second\n").json])
    }))

  it.effect("fewer than two sentinels is a failure only when waiting for them", () =>
    Effect.gen(function*() {
      const content = raw([entry, entry])
      const waiting = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.megabytes(1), true)
      assert.deepStrictEqual(waiting.map(logOf), [entry.log, entry.log, Messages.logFailure])
      const reading = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.megabytes(1), false)
      assert.deepStrictEqual(reading, [entry.json, entry.json])
    }))

  it.effect("any two sentinel lines end the activation, on whichever streams", () =>
    Effect.gen(function*() {
      const sentinel = `${Messages.activationLogSentinel}\n`
      const content = raw([line("a\n"), line(sentinel, "stdout"), line("b\n"), line(sentinel, "stdout"), line("c\n")])
      const out = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.megabytes(1), true)
      assert.deepStrictEqual(out.map(logOf), ["a\n", "b\n"])
    }))

  it.effect("a line that only mentions the sentinel is an ordinary line; one that ends with it is a sentinel", () =>
    Effect.gen(function*() {
      const sentinel = Messages.activationLogSentinel
      const content = raw([
        line(`the marker is ${sentinel}, said the user\n`),
        line(`no line end before the runtime's ${sentinel}\n`, "stdout"),
        line(`${sentinel}\r\n`, "stderr"),
        line("after\n")
      ])
      const out = yield* collectFrom(yield* makeLogFile(content), yield* ActivationLogs.makeCursor, ByteSize.megabytes(1), true)
      assert.deepStrictEqual(out.map(logOf), [`the marker is ${sentinel}, said the user\n`])
    }))

  it.effect("a failing source fails the collection instead of giving a notice", () =>
    Effect.gen(function*() {
      const error = new Errors.LogFileError({ path: "/missing", reason: "NotFound" })
      const cursor = yield* ActivationLogs.makeCursor
      const exit = yield* Effect.exit(collectAll(
        ActivationLogs.collect(LogSource.scripted(() => Stream.fail(error)), cursor, options(ByteSize.megabytes(1), true))
      ))
      assert.deepStrictEqual(exit, Exit.fail(error))
    }))

  it.effect("the notice is LogLine JSON on stderr stamped with the current time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2024-05-01T10:00:00.123Z"))
      const out = yield* collectFrom(yield* makeLogFile(raw([entry])), yield* ActivationLogs.makeCursor, ByteSize.bytes(10), false)
      assert.deepStrictEqual(out, [
        `{"time":"2024-05-01T10:00:00.123Z","stream":"stderr","log":"There was an issue while collecting your logs. Data might be missing."}`
      ])
    }))
})

describe("ActivationLogs timeouts", () => {
  // A tailed file that has these bytes and then waits forever.
  const waitingAfter = (content: string): Bytes => () =>
    Stream.concat(Stream.succeed(bytes(content)), Stream.never)

  it.effect("no line for the idle timeout ends with the failure notice (after exactly the idle timeout)", () =>
    Effect.gen(function*() {
      const cursor = yield* ActivationLogs.makeCursor
      const fiber = yield* Effect.fork(collectAll(ActivationLogs.collect(
        LogSource.scripted(waitingAfter(raw([entry]))),
        cursor,
        { ...options(ByteSize.megabytes(1), true), idleTimeout: "100 millis" }
      )))
      yield* TestClock.adjust("99 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const out = yield* Fiber.join(fiber)
      assert.deepStrictEqual(out.map(logOf), [entry.log, Messages.logFailure])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(raw([entry])))
    }))

  it.effect("lines that keep coming without sentinels end at the overall timeout, max(limit MB, 5) x 2 s", () =>
    Effect.gen(function*() {
      const everyThreeSeconds: Bytes = () =>
        Stream.repeat(Stream.succeed(bytes(raw([entry]))), Schedule.spaced("3 seconds"))
      const fiber = yield* Effect.fork(collectAll(ActivationLogs.collect(
        LogSource.scripted(everyThreeSeconds),
        yield* ActivationLogs.makeCursor,
        { ...options(ByteSize.kilobytes(64), true), idleTimeout: "5 seconds" }
      )))
      yield* TestClock.adjust("9999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const out = yield* Fiber.join(fiber)
      assert.deepStrictEqual(out.map(logOf), [entry.log, entry.log, entry.log, entry.log, Messages.logFailure])
    }))

  it("the overall timeout is max(limit in whole MB, 5) times the per-MB timeout", () => {
    const timeout = (limit: ByteSize.ByteSize) => Duration.toMillis(ActivationLogs.collectionTimeout(limit, "2 seconds"))
    assert.strictEqual(timeout(ByteSize.kilobytes(512)), 10_000)
    assert.strictEqual(timeout(ByteSize.megabytes(5)), 10_000)
    assert.strictEqual(timeout(ByteSize.megabytes(7)), 14_000)
    assert.strictEqual(timeout(ByteSize.megabytes(10)), 20_000)
  })
})

describe("ActivationLogs offset rule", () => {
  it.effect("after a truncation the next activation does not receive the rest of the truncated one", () =>
    Effect.gen(function*() {
      const first = raw([line("a1\n"), line("a2\n"), line("a3\n")], true)
      const file = yield* makeLogFile(first)
      const cursor = yield* ActivationLogs.makeCursor
      const out1 = yield* collectFrom(file, cursor, ByteSize.bytes(byteLength(raw([line("a1\n")])) + 5), true)
      assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.truncateLogs(ByteSize.bytes(byteLength(raw([line("a1\n")])) + 5))])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
      yield* file.append(raw([line("b1\n")], true))
      const out2 = yield* collectFrom(file, cursor, ByteSize.megabytes(1), true)
      assert.deepStrictEqual(out2.map(logOf), ["b1\n"])
    }))

  it.effect("a truncation in read-to-end mode skips to where the file ends", () =>
    Effect.gen(function*() {
      const first = raw([line("a1\n"), line("a2\n"), line("a3\n")])
      const file = yield* makeLogFile(first)
      const cursor = yield* ActivationLogs.makeCursor
      const out1 = yield* collectFrom(file, cursor, ByteSize.bytes(byteLength(raw([line("a1\n")]))), false)
      assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.truncateLogs(ByteSize.bytes(byteLength(raw([line("a1\n")]))))])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
      // The line that broke the limit was consumed; the rest is skipped by a second read to the end.
      assert.deepStrictEqual(yield* file.reads, [
        { offset: 0 },
        { offset: byteLength(raw([line("a1\n"), line("a2\n")])) }
      ])
    }))

  it.effect("a line longer than the limit is skipped with the rest of its activation", () =>
    Effect.gen(function*() {
      const first = raw([line("a1\n"), line("y".repeat(300)), line("a3\n")], true)
      const file = yield* makeLogFile(first + raw([line("b1\n")], true), 64)
      const cursor = yield* ActivationLogs.makeCursor
      const out1 = yield* collectFrom(file, cursor, ByteSize.bytes(200), true)
      assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.logFailure])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
      assert.deepStrictEqual((yield* collectFrom(file, cursor, ByteSize.megabytes(1), true)).map(logOf), ["b1\n"])
    }))

  it.effect("skipping passes over lines of any length (over 64 KiB never a sentinel: Docker splits at 16 KiB) and mentions", () =>
    Effect.gen(function*() {
      const sentinel = Messages.activationLogSentinel
      const rest = [line("z".repeat(100_000)), line(`${"y".repeat(70_000)}${sentinel}\n`), line(`mid ${sentinel} line\n`)]
      const first = raw([line("a1\n"), ...rest], true)
      const file = yield* makeLogFile(first + raw([line("b1\n")], true), 4096)
      const cursor = yield* ActivationLogs.makeCursor
      const out1 = yield* collectFrom(file, cursor, ByteSize.bytes(byteLength(raw([line("a1\n")])) + 10), true)
      assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.logFailure])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
      assert.deepStrictEqual((yield* collectFrom(file, cursor, ByteSize.megabytes(1), true)).map(logOf), ["b1\n"])
    }))

  it.effect("skipping closes the first read of the file before it opens the second", () =>
    Effect.gen(function*() {
      const file = yield* makeLogFile(raw([line("a1\n"), line("a2\n"), line("a3\n")], true))
      const events = yield* Ref.make<ReadonlyArray<string>>([])
      const record = (event: string) => Ref.update(events, (all) => [...all, event])
      const recorded: Bytes = (offset) =>
        Stream.concat(Stream.execute(record(`open ${offset}`)), file.bytes(offset)).pipe(
          Stream.ensuring(record(`close ${offset}`))
        )
      const cursor = yield* ActivationLogs.makeCursor
      const limit = ByteSize.bytes(byteLength(raw([line("a1\n")])))
      const out = yield* collectAll(ActivationLogs.collect(LogSource.scripted(recorded), cursor, options(limit, true)))
      assert.deepStrictEqual(out.map(logOf), ["a1\n", Messages.truncateLogs(limit)])
      const skipFrom = byteLength(raw([line("a1\n"), line("a2\n")]))
      assert.deepStrictEqual(yield* Ref.get(events), ["open 0", "close 0", `open ${skipFrom}`, `close ${skipFrom}`])
    }))

  it.effect("skipping stops where the file ends when the sentinels do not come within the idle timeout", () =>
    Effect.gen(function*() {
      const first = raw([line("a1\n"), line("a2\n")])
      const file = yield* makeLogFile(first)
      const waiting: Bytes = (offset) => Stream.concat(file.bytes(offset), Stream.never)
      const cursor = yield* ActivationLogs.makeCursor
      const fiber = yield* Effect.fork(collectAll(ActivationLogs.collect(LogSource.scripted(waiting), cursor, options(ByteSize.bytes(byteLength(raw([line("a1\n")]))), true))))
      yield* TestClock.adjust("2 seconds")
      const out = yield* Fiber.join(fiber)
      assert.deepStrictEqual(out.map(logOf), ["a1\n", Messages.truncateLogs(ByteSize.bytes(byteLength(raw([line("a1\n")]))))])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(first))
    }))

  it.effect("concurrent collections on one cursor are serialised: each gets one whole activation", () =>
    Effect.gen(function*() {
      const a = raw([line("a1\n"), line("a2\n")], true)
      const b = raw([line("b1\n"), line("b2\n")], true)
      const file = yield* makeLogFile(a + b, 7)
      const slow: Bytes = (offset) =>
        file.bytes(offset).pipe(Stream.tap(() => Effect.yieldNow()))
      const cursor = yield* ActivationLogs.makeCursor
      const collectOne = collectAll(ActivationLogs.collect(LogSource.scripted(slow), cursor, options(ByteSize.megabytes(1), true)))
      const [x, y] = yield* Effect.all([collectOne, collectOne], { concurrency: "unbounded" })
      const got = [x.map(logOf), y.map(logOf)].sort((p, q) => p[0]!.localeCompare(q[0]!))
      assert.deepStrictEqual(got, [["a1\n", "a2\n"], ["b1\n", "b2\n"]])
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(a + b))
    }))

  it.effect("a collection waiting for another's lock can be interrupted; the cursor stays with the running one", () =>
    Effect.gen(function*() {
      const cursor = yield* ActivationLogs.makeCursor
      // Never sends a byte: the first collection holds the lock until its timeouts, which the TestClock never reaches.
      const silent: Bytes = () => Stream.never
      const collectOne = collectAll(ActivationLogs.collect(LogSource.scripted(silent), cursor, options(ByteSize.megabytes(1), true)))
      const running = yield* Effect.fork(collectOne)
      yield* Effect.yieldNow()
      const waiting = yield* Effect.fork(collectOne)
      yield* Effect.yieldNow()
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(waiting)))
      assert.isNull(yield* Fiber.poll(running).pipe(Effect.map(Option.getOrNull)))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual((yield* Fiber.join(running)).map(logOf), [Messages.logFailure])
    }))

  it.effect("an interrupted collection closes its source, keeps what it consumed and hands the lock on", () =>
    Effect.gen(function*() {
      const file = yield* makeLogFile(raw([line("a1\n")]))
      const closed = yield* Ref.make(false)
      // The first line, then nothing more until the collection is interrupted.
      const stalled: Bytes = (offset) =>
        Stream.concat(file.bytes(offset), Stream.never).pipe(Stream.ensuring(Ref.set(closed, true)))
      const cursor = yield* ActivationLogs.makeCursor
      const received = yield* Deferred.make<void>()
      const first = yield* Effect.fork(
        collectAll(ActivationLogs.collect(LogSource.scripted(stalled), cursor, options(ByteSize.megabytes(1), true)).pipe(
          Stream.tap(() => Deferred.succeed(received, undefined))
        ))
      )
      yield* Deferred.await(received)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(first)))
      assert.isTrue(yield* Ref.get(closed))
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(raw([line("a1\n")])))
      yield* file.append(raw([line("b1\n")], true))
      assert.deepStrictEqual((yield* collectFrom(file, cursor, ByteSize.megabytes(1), true)).map(logOf), ["b1\n"])
    }))
})

describe("ActivationLogs properties", () => {
  // PROPERTY_RUNS=2000 for a deeper run than CI's.
  const propertyOptions = { timeout: 300_000, fastCheck: { numRuns: Number(process.env["PROPERTY_RUNS"] ?? 100) } }
  // Lines of any text: mostly ASCII (decoded by the fast path) or with multi-byte characters.
  const logTexts = FastCheck.array(
    FastCheck.oneof(FastCheck.string({ maxLength: 40 }), FastCheck.string({ unit: "binary", maxLength: 40 })),
    { maxLength: 30 }
  )
  const cutPoints = FastCheck.array(FastCheck.nat({ max: 100_000 }), { maxLength: 12 })
  const cuts = (points: ReadonlyArray<number>, size: number) =>
    [...new Set(points.map((point) => point % (size + 1)))].sort((p, q) => p - q)

  const chunked = (content: string, points: ReadonlyArray<number>): Bytes => (offset) => {
    const data = bytes(content).subarray(offset)
    return Stream.fromChunks(...cutAt(data, cuts(points, data.length)).map((part) => Chunk.of(part)))
  }

  it.effect.prop("frames equal the lines and the offset equals the bytes consumed, wherever the chunks are cut", {
    texts: logTexts,
    points: cutPoints
  }, ({ points, texts }) =>
    Effect.gen(function*() {
      const lines = texts.map((text) => line(text))
      const activation = raw(lines, true)
      const content = activation + raw([line("next\n")])
      const cursor = yield* ActivationLogs.makeCursor
      const out = yield* collectAll(ActivationLogs.collect(LogSource.scripted(chunked(content, points)), cursor, options(ByteSize.megabytes(1), true)))
      assert.deepStrictEqual(out, lines.map((l) => l.json))
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(activation))
    }), propertyOptions)

  it.effect.prop("the limit holds exactly: lines pass while their weight (length + 1 each) is within it", {
    texts: logTexts,
    points: cutPoints,
    slack: FastCheck.integer({ min: -300, max: 50 })
  }, ({ points, slack, texts }) =>
    Effect.gen(function*() {
      const lines = texts.map((text) => line(text).json)
      const content = lines.map((l) => `${l}\n`).join("")
      const limit = Math.max(0, byteLength(content) + slack)
      const expected: Array<string> = []
      let weight = 0
      // A limit of 0 collects nothing at all (T108).
      for (const l of limit === 0 ? [] : lines) {
        const size = byteLength(l)
        if (size > limit) {
          expected.push(Messages.logFailure)
          break
        }
        weight += size + 1
        if (weight > limit) {
          expected.push(Messages.truncateLogs(ByteSize.bytes(limit)))
          break
        }
        expected.push(l)
      }
      const out = yield* collectAll(
        ActivationLogs.collect(LogSource.scripted(chunked(content, points)), yield* ActivationLogs.makeCursor, options(ByteSize.bytes(limit), false))
      )
      assert.deepStrictEqual(out.map((l, i) => expected[i] === l ? l : logOf(l)), expected)
    }), propertyOptions)

  it.effect.prop("after a truncation or a long line, the next collection starts right after the activation's sentinels", {
    first: logTexts,
    second: logTexts,
    points: cutPoints,
    limit: FastCheck.integer({ min: 1, max: 400 })
  }, ({ first, limit, points, second }) =>
    Effect.gen(function*() {
      const activationA = raw(first.map((text) => line(text)), true)
      const activationB = raw(second.map((text) => line(text, "stderr")), true)
      const cursor = yield* ActivationLogs.makeCursor
      const source = LogSource.scripted(chunked(activationA + activationB, points))
      yield* collectAll(ActivationLogs.collect(source, cursor, options(ByteSize.bytes(limit), true)))
      assert.strictEqual(yield* Ref.get(cursor.offset), byteLength(activationA))
      const out = yield* collectAll(ActivationLogs.collect(source, cursor, options(ByteSize.megabytes(1), true)))
      assert.deepStrictEqual(out, second.map((text) => line(text, "stderr").json))
    }), propertyOptions)
})
