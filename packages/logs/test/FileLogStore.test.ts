// The file log store (OpenWhisk's DockerToActivationFileLogStoreTests T79, T80, and B32's rotation): each
// activation's raw lines with its fields, then its record, one JSON object per line, in rotating files of a temp
// directory; a failed write never fails the collection.
import { ByteSize, Errors, LogLine, Messages } from "@effect-whisk/core"
import { FileLogStore, LogStore } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Logger } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const tempDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "ew-filelogs-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

const files = (directory: string) =>
  readdirSync(directory).filter((name) => /^userlogs-\d+\.log$/.test(name))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))

const objects = (directory: string): Array<Record<string, unknown>> =>
  files(directory).flatMap((name) =>
    readFileSync(join(directory, name), "utf8").split("\n").filter((line) => line.length > 0).map((line) =>
      JSON.parse(line) as Record<string, unknown>
    )
  )

const activation = (activationId: string, statusCode = 0): FileLogStore.Activation => ({
  activationId,
  action: "/testSpace/actionName",
  namespace: "testSpace",
  record: { activationId, response: { statusCode } }
})

const raw = (stream: string, log: string) => LogLine.make("2026-12-03T09:00:00.000000000Z", stream, log).json

const fields = { activationId: "a1", action: "/testSpace/actionName", namespace: "testSpace" }

describe("FileLogStore", () => {
  it.scoped("T79 the collected logs are formatted, and the file gets each enriched line, then the record", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const store = yield* FileLogStore.make({ directory })
      const line = raw("stdout", "this is just a test\n")
      const logs = yield* LogStore.collect(() => Effect.succeed([line]), {
        limit: ByteSize.megabytes(10),
        isDeveloperError: false,
        sentinelledLogs: true,
        sink: FileLogStore.sink(store, activation("a1"))
      })
      assert.deepStrictEqual(logs, [LogLine.formatRaw(line)])
      const [file] = files(directory)
      const text = readFileSync(join(directory, file!), "utf8")
      assert.strictEqual(
        text,
        `${line.slice(0, -1)},"activationId":"a1","action":"/testSpace/actionName","namespace":"testSpace"}\n` +
          `{"activationId":"a1","namespace":"testSpace","response":{"statusCode":0}}\n`
      )
    }))

  it.scoped("T80 after a developer error with a failure notice: both lines, the warning, then the record", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const store = yield* FileLogStore.make({ directory })
      const lines = [raw("stdout", "this is a log"), raw("stderr", Messages.logFailure)]
      const failed = yield* Effect.flip(LogStore.collect(() => Effect.succeed(lines), {
        limit: ByteSize.megabytes(10),
        isDeveloperError: true,
        sentinelledLogs: true,
        sink: FileLogStore.sink(store, activation("a1", 2))
      }))
      assert.instanceOf(failed, Errors.LogCollectingError)
      const written = objects(directory)
      assert.deepStrictEqual(written.slice(0, 2), [
        { log: "this is a log", stream: "stdout", time: "2026-12-03T09:00:00.000000000Z", ...fields },
        { log: Messages.logFailure, stream: "stderr", time: "2026-12-03T09:00:00.000000000Z", ...fields }
      ])
      assert.include(written[2], { log: Messages.logWarningDeveloperError, stream: "stderr", ...fields })
      assert.deepStrictEqual(written[3], { activationId: "a1", namespace: "testSpace", response: { statusCode: 2 } })
      assert.strictEqual(written.length, 4)
    }))

  it.scoped("a line that is not JSON stays one JSON object in the file", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const store = yield* FileLogStore.make({ directory })
      yield* store.write(activation("a1"), ["not json {", "{}"])
      const written = objects(directory)
      assert.deepStrictEqual(written[0], { log: "not json {", stream: "stderr", ...fields })
      assert.deepStrictEqual(written[1], fields)
    }))

  it.scoped("B32 starts a new file when a write would pass the size limit, and keeps only the newest files", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const maxFileSize = ByteSize.bytes(1200)
      const store = yield* FileLogStore.make({ directory, maxFileSize, maxFiles: 3 })
      // Each activation writes about 570 bytes: two fit in a file, the third starts the next.
      const lines = [raw("stdout", "x".repeat(100)), raw("stderr", "y".repeat(100))]
      for (let n = 1; n <= 10; n++) yield* store.write(activation(`a${n}`), lines)
      const kept = files(directory)
      assert.strictEqual(kept.length, 3)
      for (const name of kept) assert.isAtMost(statSync(join(directory, name)).size, maxFileSize.bytes)
      // The newest files hold the newest activations, in order: a5 … a10.
      const ids = [...new Set(objects(directory).map((object) => object["activationId"]))]
      assert.deepStrictEqual(ids, ["a5", "a6", "a7", "a8", "a9", "a10"])
      for (const name of kept) {
        const records = readFileSync(join(directory, name), "utf8").split("\n").filter((line) => line.includes("response"))
        assert.strictEqual(records.length, 2, name)
      }
      assert.strictEqual(statSync(join(directory, kept[0]!)).mode & 0o777, 0o666)
    }))

  it.scoped("a failed write is logged, never an error of the collection, and the next write opens a new file", () =>
    Effect.gen(function*() {
      const parent = yield* tempDirectory
      const directory = join(parent, "logs")
      // A file where the directory should be: every open fails.
      writeFileSync(directory, "")
      const store = yield* FileLogStore.make({ directory })
      const error = yield* Effect.flip(store.write(activation("a1"), [raw("stdout", "hi")]))
      assert.strictEqual(error.reason, "Open")
      assert.include(error.message, directory)
      const warnings: Array<string> = []
      const logs = yield* LogStore.collect(() => Effect.succeed([raw("stdout", "hi")]), {
        limit: ByteSize.megabytes(10),
        isDeveloperError: false,
        sentinelledLogs: true,
        sink: FileLogStore.sink(store, activation("a2"))
      }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
          warnings.push(String(Array.isArray(message) ? message[0] : message))
        })))
      )
      assert.strictEqual(logs.length, 1)
      assert.strictEqual(warnings.length, 1)
      assert.include(warnings[0], "a2")
      assert.include(warnings[0], "Could not open the activation log file")
      rmSync(directory)
      yield* store.write(activation("a3"), [raw("stdout", "hi")])
      assert.deepStrictEqual(objects(directory).map((object) => object["activationId"]), ["a3", "a3"])
    }))

  it.effect("enrich adds the fields before the closing brace", () =>
    Effect.sync(() => {
      const line = FileLogStore.enrich(`{"log":"hi\\n","stream":"stdout","time":"t"}\n`, activation("a1"))
      assert.isTrue(line.endsWith("}\n"))
      assert.deepStrictEqual(JSON.parse(line), { log: "hi\n", stream: "stdout", time: "t", ...fields })
      assert.isTrue(Either.isRight(Either.try(() => JSON.parse(FileLogStore.enrich("[1,2]", activation("a1"))))))
    }))
})
