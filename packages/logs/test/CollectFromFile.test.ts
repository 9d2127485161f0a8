// The whole pipeline over real json-file logs written while they are collected, with lines as Docker's json-file
// driver writes them (`log` first, then `stream` and `time`); every case runs on both ways of collecting: the stream
// (ActivationLogs.collect, DockerContainer.logs) and all at once (ActivationLogs.collectAll, DockerContainer.logLines).
// Both read the file with the one file reader; the property at the end checks that a scripted source of the same
// bytes, read by the byte-stream driver, gives the same.
import { ByteSize, type Errors, LogSource, Messages } from "@effect-whisk/core"
import { ActivationLogs, LogStore } from "@effect-whisk/logs"
import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Clock, type Duration, Effect, FastCheck, Fiber, Ref, Schedule, Stream } from "effect"
import { appendFileSync, mkdirSync, rmSync, statSync } from "node:fs"
import { descriptorsOn } from "./support/openDescriptors.js"
import { collectAll, logOf } from "./support/rawLogs.js"

const dockerLine = (log: string, stream = "stdout") =>
  `${JSON.stringify({ log, stream, time: "2024-05-01T10:00:00.123456789Z" })}\n`

const sentinels = dockerLine(`${Messages.activationLogSentinel}\n`, "stdout") +
  dockerLine(`${Messages.activationLogSentinel}\n`, "stderr")

const options = (
  waitForSentinel: boolean,
  idleTimeout: Duration.DurationInput = "2 seconds",
  limit = ByteSize.megabytes(10)
): ActivationLogs.Options => ({
  limit,
  waitForSentinel,
  idleTimeout,
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
})

const size = (text: string) => Buffer.byteLength(text)

// A cursor that keeps the file open between collections (a container's), closed with the test's scope.
const keepingCursor = Effect.acquireRelease(ActivationLogs.makeKeepingCursor, ActivationLogs.closeKeptFile)

// An empty json-file log in a temporary directory, and a collection source over it; `keep`: its cursor keeps the file
// open between collections.
const logFileWith = (keep: boolean) => Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = `${yield* fs.makeTempDirectoryScoped()}/0123-json.log`
  yield* fs.writeFileString(path, "")
  const source = LogSource.jsonFile(path)
  // The same bytes as a scripted source: what the file holds when it is read, and nothing more.
  const scripted = LogSource.scripted((offset) =>
    Stream.fromEffect(Effect.orDie(fs.readFile(path))).pipe(Stream.map((data) => data.subarray(offset)))
  )
  const writeLater = (...writes: ReadonlyArray<string>) =>
    Effect.forkScoped(Effect.forEach(writes, (text) =>
      Effect.zipRight(Effect.sleep("20 millis"), Effect.sync(() => appendFileSync(path, text)))))
  const cursor = yield* (keep ? keepingCursor : ActivationLogs.makeCursor)
  return { path, source, scripted, cursor, writeLater }
}).pipe(Effect.provide(NodeFileSystem.layer))

const logFile = logFileWith(false)

type LogFileUnderTest = Effect.Effect.Success<typeof logFile>

interface Driver {
  readonly name: string
  readonly collect: (
    file: LogFileUnderTest,
    options: ActivationLogs.Options
  ) => Effect.Effect<ReadonlyArray<string>, Errors.LogFileError | Errors.DockerEngineError>
}

const drivers: ReadonlyArray<Driver> = [
  { name: "as a stream", collect: (file, options) => collectAll(ActivationLogs.collect(file.source, file.cursor, options)) },
  { name: "from the file at once", collect: (file, options) => ActivationLogs.collectAll(file.source, file.cursor, options) }
]

const scriptedDriver: Driver = {
  name: "from scripted bytes",
  collect: (file, options) => ActivationLogs.collectAll(file.scripted, file.cursor, options)
}

// Every case with a cursor that opens the file for each collection, and with one that keeps it open (a container's).
const cases = drivers.flatMap((driver) => [
  { ...driver, cursor: "opened for each collection", logFile: logFileWith(false) },
  { ...driver, cursor: "kept open", logFile: logFileWith(true) }
])

describe.each(cases)("collecting $name from a json-file log being written, the file $cursor", ({ collect, cursor, logFile }) => {
  it.scopedLive("a file that grows in several writes", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const writer = yield* file.writeLater(dockerLine("one\n"), dockerLine("two\n", "stderr"), sentinels)
      const out = yield* collect(file, options(true))
      yield* Fiber.join(writer)
      assert.deepStrictEqual(out.map(logOf), ["one\n", "two\n"])
      assert.strictEqual(yield* Ref.get(file.cursor.offset), statSync(file.path).size)
    }))

  it.scopedLive("a line split across writes waits for its end", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const line = dockerLine("split in two\n")
      yield* file.writeLater(line.slice(0, 20), line.slice(20), sentinels)
      const out = yield* collect(file, options(true))
      assert.deepStrictEqual(out.map(logOf), ["split in two\n"])
    }))

  it.scopedLive("a line over 16 KB that Docker splits into several entries arrives as those entries", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const text = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("")
      const parts = [text.slice(0, 16_384), text.slice(16_384, 32_768), `${text.slice(32_768)}\n`]
      yield* file.writeLater(...parts.map((part) => dockerLine(part)), sentinels)
      const out = yield* collect(file, options(true))
      assert.deepStrictEqual(out.map(logOf), parts)
    }))

  it.scopedLive("a garbage line is reported in place by the log store", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      yield* file.writeLater(dockerLine("before\n"), "this is not json\n", dockerLine("after\n"), sentinels)
      const logs = yield* LogStore.collect(
        (collection) => collect(file, { ...options(true), ...collection }),
        { limit: ByteSize.megabytes(10), isDeveloperError: false, sentinelledLogs: true }
      )
      assert.strictEqual(logs.length, 3)
      assert.isTrue(logs[0]!.endsWith("stdout: before"))
      assert.include(logs[1], "not a JSON log line: this is not json")
      assert.isTrue(logs[2]!.endsWith("stdout: after"))
    }))

  it.scopedLive("an empty file in wait mode ends with the failure notice after the idle timeout", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const started = yield* Clock.currentTimeMillis
      const out = yield* collect(file, options(true, "200 millis"))
      const took = (yield* Clock.currentTimeMillis) - started
      assert.deepStrictEqual(out.map(logOf), [Messages.logFailure])
      assert.isAtLeast(took, 200)
      assert.isBelow(took, 5_000)
      assert.strictEqual(yield* Ref.get(file.cursor.offset), 0)
    }))

  it.scopedLive("two activations in one file: each collection gets its own lines", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      yield* file.writeLater(dockerLine("first\n"), sentinels)
      const first = yield* collect(file, options(true))
      yield* file.writeLater(dockerLine("second\n"), sentinels)
      const second = yield* collect(file, options(true))
      assert.deepStrictEqual([first.map(logOf), second.map(logOf)], [["first\n"], ["second\n"]])
    }))

  it.scopedLive("a truncation ends with the notice, and the next activation gets only its own lines", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const first = dockerLine("a1\n") + dockerLine("a2\n") + dockerLine("a3\n") + sentinels
      appendFileSync(file.path, first + dockerLine("b1\n") + sentinels)
      const limit = ByteSize.bytes(size(dockerLine("a1\n")) + 1)
      const truncated = yield* collect(file, options(true, "2 seconds", limit))
      assert.deepStrictEqual(truncated.map(logOf), ["a1\n", Messages.truncateLogs(limit)])
      assert.strictEqual(yield* Ref.get(file.cursor.offset), size(first))
      assert.deepStrictEqual((yield* collect(file, options(true))).map(logOf), ["b1\n"])
    }))

  it.scopedLive("T108 a limit of 0 collects nothing and no notice, and passes over the activation to its sentinels in both modes", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const first = dockerLine("a1\n") + dockerLine(`${"x".repeat(500)}\n`) + sentinels
      appendFileSync(file.path, first + dockerLine("b1\n") + sentinels)
      for (const waitForSentinel of [true, false]) {
        yield* Ref.set(file.cursor.offset, 0)
        assert.deepStrictEqual(yield* collect(file, options(waitForSentinel, "2 seconds", ByteSize.bytes(0))), [])
        assert.strictEqual(yield* Ref.get(file.cursor.offset), size(first))
      }
      yield* Ref.set(file.cursor.offset, size(first))
      assert.deepStrictEqual((yield* collect(file, options(true))).map(logOf), ["b1\n"])
    }))

  it.scopedLive("a line longer than the limit ends with the failure notice; the rest of its activation is passed over", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const first = dockerLine("short\n") + dockerLine(`${"x".repeat(500)}\n`) + dockerLine("after\n") + sentinels
      appendFileSync(file.path, first)
      const out = yield* collect(file, options(true, "2 seconds", ByteSize.bytes(300)))
      assert.deepStrictEqual(out.map(logOf), ["short\n", Messages.logFailure])
      assert.strictEqual(yield* Ref.get(file.cursor.offset), size(first))
    }))

  it.scopedLive("reading to the end: a partial last line ends with the failure notice and is read again next time", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const whole = dockerLine("whole\n")
      const partial = dockerLine("partial\n")
      appendFileSync(file.path, whole + partial.slice(0, 10))
      assert.deepStrictEqual((yield* collect(file, options(false))).map(logOf), ["whole\n", Messages.logFailure])
      assert.strictEqual(yield* Ref.get(file.cursor.offset), size(whole))
      appendFileSync(file.path, partial.slice(10))
      assert.deepStrictEqual((yield* collect(file, options(false))).map(logOf), ["partial\n"])
    }))

  it.scopedLive("a missing file is a LogFileError, not a notice", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      rmSync(file.path)
      const error = yield* Effect.flip(collect(file, options(true)))
      assert.strictEqual(error._tag, "LogFileError")
      assert.strictEqual(error.reason, "NotFound")
      assert.strictEqual(error._tag === "LogFileError" ? error.path : "", file.path)
    }))

  it.scopedLive("a path that is a directory opens, and its first read is a LogFileError, not a notice", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      rmSync(file.path)
      mkdirSync(file.path)
      const error = yield* Effect.flip(collect(file, options(true)))
      assert.strictEqual(error.reason, "NotAFile")
      assert.strictEqual(yield* Ref.get(file.cursor.offset), 0)
    }))

  it.scopedLive("concurrent collections on one file are serialised: each gets one whole activation", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      appendFileSync(file.path, dockerLine("a\n") + dockerLine("a\n") + sentinels + dockerLine("b\n") + sentinels)
      const both = yield* Effect.all([collect(file, options(true)), collect(file, options(true))], { concurrency: 2 })
      assert.sameDeepMembers(both.map((out) => out.map(logOf)), [["a\n", "a\n"], ["b\n"]])
    }))

  it.scopedLive("an interrupted collection keeps what it consumed and hands the lock on", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const consumed = dockerLine("consumed\n")
      appendFileSync(file.path, consumed)
      const waiting = yield* Effect.fork(collect(file, options(true)))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(waiting)
      assert.strictEqual(yield* Ref.get(file.cursor.offset), size(consumed))
      yield* file.writeLater(dockerLine("next\n"), sentinels)
      assert.deepStrictEqual((yield* collect(file, options(true))).map(logOf), ["next\n"])
    }))

  // Skip reason: it counts the descriptors in /proc/self/fd, which only Linux has (CI runs on Linux).
  it.scopedLive.skipIf(process.platform !== "linux")("an interrupted collection closes its log file, or leaves it to the cursor that keeps it", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      appendFileSync(file.path, dockerLine("consumed\n"))
      const waiting = yield* Effect.fork(collect(file, options(true)))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(descriptorsOn(file.path), 1)
      yield* Fiber.interrupt(waiting)
      // The descriptor is closed asynchronously, right after.
      yield* Effect.sleep("50 millis")
      assert.strictEqual(descriptorsOn(file.path), cursor === "kept open" ? 1 : 0)
    }))

  it.scopedLive("lines that keep coming without sentinels end at the overall timeout", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      yield* Effect.forkScoped(
        Effect.repeat(Effect.sync(() => appendFileSync(file.path, dockerLine("busy\n"))), Schedule.spaced("20 millis"))
      )
      const started = yield* Clock.currentTimeMillis
      // max(10 MB, 5) × 30 ms: 300 ms overall, while no gap between lines reaches the idle timeout.
      const out = yield* collect(file, { ...options(true), timeoutPerMB: "30 millis" })
      const took = (yield* Clock.currentTimeMillis) - started
      assert.strictEqual(logOf(out.at(-1)!), Messages.logFailure)
      assert.isAbove(out.length, 2)
      assert.isAtLeast(took, 300)
      assert.isBelow(took, 5_000)
    }))
})

describe("the ways of collecting agree", () => {
  // PROPERTY_RUNS=2000 for a deeper run than CI's.
  const propertyOptions = { timeout: 300_000, fastCheck: { numRuns: Number(process.env["PROPERTY_RUNS"] ?? 50) } }
  const texts = FastCheck.array(
    FastCheck.oneof(FastCheck.string({ maxLength: 60 }), FastCheck.string({ unit: "binary", maxLength: 60 })),
    { maxLength: 25 }
  )
  // Notices carry the time they were made: compared by their text.
  const comparable = (out: ReadonlyArray<string>) => out.map((line) => line.startsWith(`{"time":`) ? logOf(line) : line)

  it.scopedLive.prop("same lines, notices and offsets for any log, limit and mode", {
    first: texts,
    second: texts,
    limit: FastCheck.integer({ min: 1, max: 3_000 }),
    waitForSentinel: FastCheck.boolean(),
    partialEnd: FastCheck.boolean()
  }, ({ first, limit, partialEnd, second, waitForSentinel }) =>
    Effect.gen(function*() {
      const activation = (lines: ReadonlyArray<string>) => lines.map((text) => dockerLine(text)).join("") + sentinels
      // Tailing waits for sentinels, so there the log always has them; read to the end it may end mid-line.
      const content = activation(first) + activation(second) + (partialEnd && !waitForSentinel ? dockerLine("cut").slice(0, 9) : "")
      const collections = yield* Effect.forEach([...drivers, scriptedDriver], (driver) =>
        Effect.gen(function*() {
          const file = yield* logFile
          appendFileSync(file.path, content)
          const collectOptions = options(waitForSentinel, "2 seconds", ByteSize.bytes(limit))
          const once = yield* driver.collect(file, collectOptions)
          const twice = yield* driver.collect(file, collectOptions)
          return { once: comparable(once), twice: comparable(twice), offset: yield* Ref.get(file.cursor.offset) }
        }))
      assert.deepStrictEqual(collections[1], collections[0])
      assert.deepStrictEqual(collections[2], collections[0])
    }), propertyOptions)
})
