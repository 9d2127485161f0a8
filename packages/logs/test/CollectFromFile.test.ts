// The whole pipeline over real json-file logs written while they are collected, with lines as Docker's json-file
// driver writes them (`log` first, then `stream` and `time`).
import { ByteSize, type Errors, Messages } from "@effect-whisk/core"
import { ActivationLogs, LogFile, LogStore } from "@effect-whisk/logs"
import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Clock, type Duration, Effect, Fiber, Ref, Stream } from "effect"
import { appendFileSync, statSync } from "node:fs"
import { collectAll, logOf } from "./support/rawLogs.js"

const dockerLine = (log: string, stream = "stdout") =>
  `${JSON.stringify({ log, stream, time: "2024-05-01T10:00:00.123456789Z" })}\n`

const sentinels = dockerLine(`${Messages.activationLogSentinel}\n`, "stdout") +
  dockerLine(`${Messages.activationLogSentinel}\n`, "stderr")

const options = (waitForSentinel: boolean, idleTimeout: Duration.DurationInput = "2 seconds"): ActivationLogs.Options => ({
  limit: ByteSize.megabytes(10),
  waitForSentinel,
  idleTimeout,
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
})

// An empty json-file log in a temporary directory, and a collection source over it.
const logFile = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = `${yield* fs.makeTempDirectoryScoped()}/0123-json.log`
  yield* fs.writeFileString(path, "")
  const source: ActivationLogs.Source<Errors.LogFileError, never> = (offset, mode) =>
    LogFile.stream(path, offset, mode).pipe(Stream.provideService(FileSystem.FileSystem, fs))
  const writeLater = (...writes: ReadonlyArray<string>) =>
    Effect.forkScoped(Effect.forEach(writes, (text) =>
      Effect.zipRight(Effect.sleep("20 millis"), Effect.sync(() => appendFileSync(path, text)))))
  return { path, source, cursor: yield* ActivationLogs.makeCursor, writeLater }
}).pipe(Effect.provide(NodeFileSystem.layer))

describe("collecting from a json-file log being written", () => {
  it.scopedLive("a file that grows in several writes", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const writer = yield* file.writeLater(dockerLine("one\n"), dockerLine("two\n", "stderr"), sentinels)
      const out = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true)))
      yield* Fiber.join(writer)
      assert.deepStrictEqual(out.map(logOf), ["one\n", "two\n"])
      assert.strictEqual(yield* Ref.get(file.cursor.offset), statSync(file.path).size)
    }))

  it.scopedLive("a line split across writes waits for its end", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const line = dockerLine("split in two\n")
      yield* file.writeLater(line.slice(0, 20), line.slice(20), sentinels)
      const out = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true)))
      assert.deepStrictEqual(out.map(logOf), ["split in two\n"])
    }))

  it.scopedLive("a line over 16 KB that Docker splits into several entries arrives as those entries", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      const text = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("")
      const parts = [text.slice(0, 16_384), text.slice(16_384, 32_768), `${text.slice(32_768)}\n`]
      yield* file.writeLater(...parts.map((part) => dockerLine(part)), sentinels)
      const out = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true)))
      assert.deepStrictEqual(out.map(logOf), parts)
    }))

  it.scopedLive("a garbage line is reported in place by the log store", () =>
    Effect.gen(function*() {
      const file = yield* logFile
      yield* file.writeLater(dockerLine("before\n"), "this is not json\n", dockerLine("after\n"), sentinels)
      const logs = yield* LogStore.collect(
        (collection) => ActivationLogs.collect(file.source, file.cursor, { ...options(true), ...collection }),
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
      const out = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true, "200 millis")))
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
      const first = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true)))
      yield* file.writeLater(dockerLine("second\n"), sentinels)
      const second = yield* collectAll(ActivationLogs.collect(file.source, file.cursor, options(true)))
      assert.deepStrictEqual([first.map(logOf), second.map(logOf)], [["first\n"], ["second\n"]])
    }))
})
