// LogFile.stream on real files: offsets, the two modes, typed errors, and the tail's two ways of waking up.
import { DockerEngine, Errors } from "@effect-whisk/core"
import { LogFile } from "@effect-whisk/logs"
import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, type Duration, Effect, Exit, Fiber, Stream } from "effect"
import { appendFileSync, readdirSync } from "node:fs"
import { logFileStream } from "../src/internal/logFileStream.js"

const text = (chunks: Chunk.Chunk<Uint8Array>) =>
  Chunk.toReadonlyArray(chunks).map((bytes) => new TextDecoder().decode(bytes)).join("")

const tempFile = (content: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    const path = `${dir}/container-json.log`
    yield* fs.writeFileString(path, content)
    return path
  })

// Reads until `size` bytes came: the tail never ends by itself.
const tailUntil = (
  path: string,
  fromOffset: number,
  size: number,
  pollInterval: Duration.DurationInput,
  stream = LogFile.stream
) =>
  stream(path, fromOffset, DockerEngine.Tail(pollInterval)).pipe(
    Stream.mapAccum(0, (seen, bytes) => [seen + bytes.length, [seen + bytes.length, bytes] as const]),
    Stream.takeUntil(([seen]) => seen >= size),
    Stream.map(([, bytes]) => bytes),
    Stream.runCollect,
    Effect.map(text)
  )

// The same stream on a platform without change notifications: only polling can wake a tail.
const withoutNotifications = logFileStream(() => undefined)

const openDescriptors = () => readdirSync("/proc/self/fd").length

describe("LogFile.stream", () => {
  it.scopedLive("reads to the end from an offset", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("0123456789")
      const read = yield* Stream.runCollect(LogFile.stream(path, 4, DockerEngine.ReadToEnd))
      assert.strictEqual(text(read), "456789")
      assert.strictEqual(text(yield* Stream.runCollect(LogFile.stream(path, 10, DockerEngine.ReadToEnd))), "")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("reads a backlog in growing chunks of at most maxReadSize, none a view of a larger buffer", () =>
    Effect.gen(function*() {
      const content = Array.from({ length: 3_000_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("")
      const path = yield* tempFile(content)
      const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(LogFile.stream(path, 0, DockerEngine.ReadToEnd)))
      assert.strictEqual(text(Chunk.unsafeFromArray(chunks)), content)
      assert.deepStrictEqual(chunks.map((chunk) => chunk.length).slice(0, 3), [64 * 1024, 256 * 1024, LogFile.maxReadSize])
      assert.isTrue(chunks.every((chunk) => chunk.length <= LogFile.maxReadSize && chunk.buffer.byteLength === chunk.length))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("a missing file is a LogFileError, not an empty log", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const missing = `${dir}/missing-json.log`
      for (const mode of [DockerEngine.ReadToEnd, DockerEngine.Tail("5 millis")]) {
        const exit = yield* Effect.exit(Stream.runCollect(LogFile.stream(missing, 0, mode)))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        assert.instanceOf(error, Errors.LogFileError)
        assert.strictEqual(error?.reason, "NotFound")
        assert.strictEqual(error?.path, missing)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("a directory is a LogFileError", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const exit = yield* Effect.exit(Stream.runCollect(LogFile.stream(dir, 0, DockerEngine.ReadToEnd)))
      assert.deepStrictEqual(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined, "NotAFile")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("the tail wakes on a change notification (the poll interval is far too long to do it)", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("first ")
      const fiber = yield* Effect.fork(tailUntil(path, 0, "first second third".length, "1 hour"))
      for (const more of ["second ", "third"]) {
        yield* Effect.sleep("30 millis")
        appendFileSync(path, more)
      }
      assert.strictEqual(yield* Fiber.join(fiber), "first second third")
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.timeout("10 seconds")))

  it.scopedLive("without notifications the tail polls at its interval", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("")
      const fiber = yield* Effect.fork(tailUntil(path, 3, "345678".length, "10 millis", withoutNotifications))
      appendFileSync(path, "012345")
      yield* Effect.sleep("50 millis")
      appendFileSync(path, "678")
      assert.strictEqual(yield* Fiber.join(fiber), "345678")
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.timeout("10 seconds")))

  it.scopedLive("a missed notification only delays the read to the poll interval", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("")
      let stopped = false
      // Watches, but never notifies.
      const silent = logFileStream(() => () => {
        stopped = true
      })
      const fiber = yield* Effect.fork(tailUntil(path, 0, "012345678".length, "10 millis", silent))
      appendFileSync(path, "012345")
      yield* Effect.sleep("50 millis")
      appendFileSync(path, "678")
      assert.strictEqual(yield* Fiber.join(fiber), "012345678")
      assert.isTrue(stopped)
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.timeout("10 seconds")))

  it.scopedLive("an interrupted tail closes its file and stops watching it", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("0123")
      const before = openDescriptors()
      const fiber = yield* Effect.fork(tailUntil(path, 0, 100, "1 hour"))
      yield* Effect.sleep("50 millis")
      assert.isAbove(openDescriptors(), before)
      yield* Fiber.interrupt(fiber)
      // The file's close is not awaited by the stream: give it a moment.
      yield* Effect.sleep("20 millis")
      assert.strictEqual(openDescriptors(), before)
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.timeout("10 seconds")))
})
