// DockerContainer.logs and logLines over a mock engine (OpenWhisk's DockerContainerTests T18–T26). The engine's log
// source is a scripted one over a log file held in a Ref, read from the offset it is given, so consecutive
// collections see one growing file, as they do on a real engine; like OpenWhisk's mock, the read ends at the end of
// the bytes whether or not the collection waits for sentinels.
import { ByteSize, ContainerHttp, DockerEngine, Errors, LogLine, LogSource, Messages, Runc, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Duration, Effect, Exit, Fiber, Layer, Option, Ref, Schedule, Stream, TestClock } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const epoch = "1970-01-01T00:00:00Z"
const entry = LogLine.make(epoch, "stdout", "This is a log entry.\n")

const sentinelPair = (time: string) => [
  LogLine.make(time, "stderr", `${Messages.activationLogSentinel}\n`),
  LogLine.make(time, "stdout", `${Messages.activationLogSentinel}\n`)
]

/** raw(X) of the original's test catalogue: the lines as JSON, each with its `\n`, and the sentinel pair when asked. */
const raw = (lines: ReadonlyArray<LogLine.LogLine>, withSentinels: boolean) =>
  [...lines, ...(withSentinels ? sentinelPair(lines.at(-1)!.time) : [])].map((line) => `${line.json}\n`).join("")

const encode = (text: string) => new TextEncoder().encode(text)
const size = (text: string) => encode(text).length

type Bytes = (fromOffset: number) => Stream.Stream<Uint8Array, Errors.LogFileError>

// The reads of the scripted log source: the container and the offset of each.
class Reads extends Context.Tag("test/ContainerLogs/Reads")<Reads, Array<{ readonly id: string; readonly offset: number }>>() {}

const services = (bytes: Bytes, idleTimeout: Duration.DurationInput = "2 seconds") => {
  const reads: Array<{ readonly id: string; readonly offset: number }> = []
  return Layer.mergeAll(
    Layer.succeed(Reads, reads),
    DockerEngine.layerTest({
      logSource: (id) =>
        Effect.succeed(LogSource.scripted((offset) =>
          Stream.suspend(() => {
            reads.push({ id, offset })
            return bytes(offset)
          })
        ))
    }),
    Runc.layerTest(),
    ContainerHttp.layerTest(),
    WhiskConfig.layerWith({ logs: { pollInterval: Duration.millis(1), idleTimeout: Duration.decode(idleTimeout) } })
  )
}

const fileEngine = Effect.map(Ref.make(new Uint8Array()), (file) => ({
  bytes: ((offset) =>
    Stream.unwrap(Effect.map(Ref.get(file), (bytes) => Stream.succeed(bytes.subarray(offset))))) as Bytes,
  append: (text: string) =>
    Ref.update(file, (old) => {
      const next = new Uint8Array(old.length + size(text))
      next.set(old)
      next.set(encode(text), old.length)
      return next
    })
}))

const container = DockerContainer.create({ image: "image", userProvided: false })

const collect = (logs: Stream.Stream<string, unknown>) => Effect.map(Stream.runCollect(logs), Chunk.toReadonlyArray)

const reads = Effect.map(Reads, (all) => [...all])

const logOf = (rawLine: string) => (JSON.parse(rawLine) as { log: string }).log

// Runs a test against a container whose engine reads the given file.
const withFile = <A, E>(
  test: (file: Effect.Effect.Success<typeof fileEngine>, c: DockerContainer.DockerContainer) => Effect.Effect<A, E, DockerEngine.DockerEngineCalls | Reads>
) =>
  Effect.gen(function*() {
    const file = yield* fileEngine
    return yield* Effect.flatMap(container, (c) => test(file, c)).pipe(Effect.provide(services((offset) => file.bytes(offset))))
  })

describe("DockerContainer.logs", () => {
  it.effect("T18 reads a simple log with sentinels; a limit equal to the raw size does not truncate", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        const content = raw([entry], true)
        yield* file.append(content)
        const out = yield* collect(c.logs({ limit: ByteSize.bytes(size(content)), waitForSentinel: true }))
        assert.deepStrictEqual(out.map(LogLine.formatRaw), [entry.formatted])
        assert.deepStrictEqual(yield* reads, [{ id: "testId", offset: 0 }])
      })
    ))

  it.effect("T19 reads a simple log without sentinels to the end", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        yield* file.append(raw([entry], false))
        const out = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: false }))
        assert.deepStrictEqual(out.map(LogLine.formatRaw), [entry.formatted])
        assert.deepStrictEqual(yield* reads, [{ id: "testId", offset: 0 }])
      })
    ))

  it.effect("T20 a failure to read the file fails the collection; it is not a notice line", () =>
    Effect.gen(function*() {
      const error = new Errors.LogFileError({ path: "/containers/testId/testId-json.log", reason: "Unreadable" })
      const exit = yield* Effect.exit(Effect.flatMap(container, (c) =>
        collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))))
      assert.deepStrictEqual(exit, Exit.fail(error))
      assert.deepStrictEqual(yield* reads, [{ id: "testId", offset: 0 }])
    }).pipe(Effect.provide(services(() => Stream.fail(new Errors.LogFileError({ path: "/containers/testId/testId-json.log", reason: "Unreadable" }))))))

  it.effect("T21 two consecutive collections each read their own activation", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        const first = LogLine.make(epoch, "stdout", "This is the first log.\n")
        const second = LogLine.make("1970-01-01T00:00:01Z", "stderr", "This is the second log.\n")
        yield* file.append(raw([first], true))
        const out1 = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))
        yield* file.append(raw([second], true))
        const out2 = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))
        assert.deepStrictEqual([out1.map(LogLine.formatRaw), out2.map(LogLine.formatRaw)], [[first.formatted], [second.formatted]])
        assert.deepStrictEqual((yield* reads).map((read) => read.offset), [0, size(raw([first], true))])
      })
    ))

  it.effect("T22 ends through the idle timeout when no sentinel comes", () =>
    Effect.gen(function*() {
      const c = yield* container
      const fiber = yield* Effect.fork(collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true })))
      yield* TestClock.adjust("99 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const out = yield* Fiber.join(fiber)
      assert.strictEqual(out.length, 2)
      assert.strictEqual(LogLine.formatRaw(out[0]!), entry.formatted)
      assert.include(out[1], Messages.logFailure)
      assert.strictEqual((yield* reads).length, 1)
    }).pipe(Effect.provide(services(
      () => Stream.repeat(Stream.succeed(encode(raw([entry], false))), Schedule.spaced("10 seconds")),
      "100 millis"
    ))))

  it.effect("T23 truncates, and each collection starts after what the previous one consumed", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        const a = raw([LogLine.make(epoch, "stdout", "a1\n"), LogLine.make("1970-01-01T00:00:00.001Z", "stdout", "a2\n")], false)
        const b = raw([LogLine.make(epoch, "stdout", "b1\n"), LogLine.make(epoch, "stdout", "b2\n")], false)
        const c1 = LogLine.make(epoch, "stdout", "c1\n")
        yield* file.append(a)
        const out1 = yield* collect(c.logs({ limit: ByteSize.bytes(size(a) - 1), waitForSentinel: true }))
        yield* file.append(b)
        const out2 = yield* collect(c.logs({ limit: ByteSize.bytes(size(b) - 1), waitForSentinel: false }))
        yield* file.append(raw([c1], true))
        const out3 = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))
        assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.truncateLogs(ByteSize.bytes(size(a) - 1))])
        assert.deepStrictEqual(out2.map(logOf), ["b1\n", Messages.truncateLogs(ByteSize.bytes(size(b) - 1))])
        assert.deepStrictEqual(out3.map(LogLine.formatRaw), [c1.formatted])
        // After each truncation a second read skips the rest of that activation (here: nothing is left).
        assert.deepStrictEqual((yield* reads).map((read) => read.offset), [0, size(a), size(a), size(a) + size(b), size(a) + size(b)])
      })
    ))

  it.effect("T24 an incomplete last line ends with the failure notice", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        const content = raw([entry, entry], false)
        yield* file.append(content.slice(0, -10))
        const out = yield* collect(c.logs({ limit: ByteSize.bytes(size(content)), waitForSentinel: false }))
        assert.strictEqual(out.length, 2)
        assert.strictEqual(LogLine.formatRaw(out[0]!), entry.formatted)
        assert.include(out[1], Messages.logFailure)
      })
    ))

  it.effect("T25 missing sentinels give the failure notice only when waiting for them", () =>
    Effect.gen(function*() {
      const content = raw([entry, entry], false)
      for (const [waitForSentinel, expected] of [[true, [entry.log, entry.log, Messages.logFailure]], [false, [entry.log, entry.log]]] as const) {
        const out = yield* withFile((file, c) =>
          Effect.zipRight(file.append(content), collect(c.logs({ limit: ByteSize.bytes(size(content)), waitForSentinel }))))
        assert.deepStrictEqual(out.map(logOf), [...expected])
      }
    }))

  it.effect("T26 sentinel lines are left out whether or not the collection waits for them", () =>
    Effect.gen(function*() {
      for (const waitForSentinel of [true, false]) {
        const out = yield* withFile((file, c) =>
          Effect.zipRight(file.append(raw([entry], true)), collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel }))))
        assert.deepStrictEqual(out.map(LogLine.formatRaw), [entry.formatted])
      }
    }))

  it.effect("after a truncation the next activation does not receive the rest of the truncated one", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        const first = raw([1, 2, 3, 4].map((i) => LogLine.make(epoch, "stdout", `a${i}\n`)), true)
        yield* file.append(first)
        const out1 = yield* collect(c.logs({ limit: ByteSize.bytes(100), waitForSentinel: true }))
        yield* file.append(raw([LogLine.make(epoch, "stdout", "b1\n")], true))
        const out2 = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))
        assert.deepStrictEqual(out1.map(logOf), ["a1\n", Messages.truncateLogs(ByteSize.bytes(100))])
        assert.deepStrictEqual(out2.map(logOf), ["b1\n"])
      })
    ))
})

describe("DockerContainer.logLines", () => {
  it.effect("on an engine whose log files are out of reach, it collects what logs streams", () =>
    withFile((file, c) =>
      Effect.gen(function*() {
        yield* file.append(raw([entry], true))
        const out = yield* c.logLines({ limit: ByteSize.megabytes(1), waitForSentinel: true })
        assert.deepStrictEqual(out.map(LogLine.formatRaw), [entry.formatted])
        assert.deepStrictEqual(yield* reads, [{ id: "testId", offset: 0 }])
      })
    ))

  it.scopedLive("on an engine whose log file is on this machine, both read the file itself, on the same cursor", () =>
    Effect.gen(function*() {
      const directory = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-whisk-loglines-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
      )
      const path = join(directory, "testId-json.log")
      const first = raw([LogLine.make(epoch, "stdout", "first\n")], true)
      writeFileSync(path, first + raw([LogLine.make(epoch, "stdout", "second\n")], true))
      const engine = DockerEngine.layerTest({ logSource: () => Effect.succeed(LogSource.jsonFile(path)) })
      const test = Effect.gen(function*() {
        const c = yield* container
        const fromFile = yield* c.logLines({ limit: ByteSize.megabytes(1), waitForSentinel: true })
        const streamed = yield* collect(c.logs({ limit: ByteSize.megabytes(1), waitForSentinel: true }))
        assert.deepStrictEqual([fromFile.map(logOf), streamed.map(logOf)], [["first\n"], ["second\n"]])
        // The engine only named the source, once for each collection.
        const calls = yield* Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.of("logSource"))
        assert.deepStrictEqual(calls, [["testId"], ["testId"]])
      })
      yield* test.pipe(Effect.provide(Layer.mergeAll(engine, Runc.layerTest(), ContainerHttp.layerTest(), WhiskConfig.layerWith())))
    }))
})
