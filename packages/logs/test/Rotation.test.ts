// Collections across the engine's rotation of a json-file log (`max-size`, issue 14), on real files rotated as Docker's
// json-file driver does it: with `max-file` ≥ 2 the file is renamed to `<path>.1` (older ones shift on) and a new file
// starts at the path; with `max-file` 1 the same file is truncated. No line may be lost or read twice.
import { ByteSize, LogSource } from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Ref, Stream } from "effect"
import { appendFileSync, existsSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { dockerLine, sentinels, tempLogFile } from "./support/jsonFileLog.js"
import { collectAll, logOf } from "./support/rawLogs.js"


const lines = (...logs: ReadonlyArray<string>) => logs.map((log) => dockerLine(`${log}\n`)).join("")

const options = (waitForSentinel = true): ActivationLogs.Options => ({
  limit: ByteSize.megabytes(1),
  waitForSentinel,
  idleTimeout: "2 seconds",
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
})

const logFile = tempLogFile

/** Docker's rotation with `max-file` ≥ 2: older files shift on, the file becomes `.1`, a new one starts. */
const rotate = (path: string) => {
  if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`)
  renameSync(path, `${path}.1`)
  writeFileSync(path, "")
}

interface Driver {
  readonly name: string
  readonly collect: (path: string, cursor: ActivationLogs.Cursor, waitForSentinel?: boolean) => Effect.Effect<ReadonlyArray<string>, unknown>
}

const drivers: ReadonlyArray<Driver> = [
  {
    name: "all at once",
    collect: (path, cursor, wait) => ActivationLogs.collectAll(LogSource.jsonFile(path), cursor, options(wait))
  },
  {
    name: "as a stream",
    collect: (path, cursor, wait) => collectAll(ActivationLogs.collect(LogSource.jsonFile(path), cursor, options(wait)))
  }
]

// A cursor that keeps the file open between collections (a container's), closed with the test's scope.
const keepingCursor = Effect.acquireRelease(ActivationLogs.makeKeepingCursor, ActivationLogs.closeKeptFile)

const cases = drivers.flatMap((driver) => [
  { ...driver, cursor: "opened for each collection", makeCursor: ActivationLogs.makeCursor },
  { ...driver, cursor: "kept open", makeCursor: keepingCursor }
])

describe.each(cases)("collecting $name across a log rotation, the file $cursor", ({ collect, makeCursor }) => {
  it.scopedLive("started between the engine's rename and its new file: it looks again instead of failing", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1") + sentinels + lines("b1"))
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["a1\n"])
      renameSync(path, `${path}.1`)
      const collecting = yield* Effect.fork(collect(path, cursor))
      yield* Effect.sleep("30 millis")
      writeFileSync(path, lines("b2") + sentinels)
      assert.deepStrictEqual((yield* Fiber.join(collecting)).map(logOf), ["b1\n", "b2\n"])
    }))

  it.scopedLive("rotated between two collections: the next one reads the rest of the old file, then the new one", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1", "a2") + sentinels + lines("b1"))
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["a1\n", "a2\n"])
      rotate(path)
      appendFileSync(path, lines("b2") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["b1\n", "b2\n"])
      appendFileSync(path, lines("c1") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["c1\n"])
    }))

  it.scopedLive("rotated while a collection waits: it follows the new file, and the next one starts there", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1"))
      const collecting = yield* Effect.fork(collect(path, cursor))
      yield* Effect.sleep("30 millis")
      rotate(path)
      appendFileSync(path, lines("a2"))
      yield* Effect.sleep("30 millis")
      rotate(path)
      appendFileSync(path, lines("a3") + sentinels + lines("b1"))
      assert.deepStrictEqual((yield* Fiber.join(collecting)).map(logOf), ["a1\n", "a2\n", "a3\n"])
      assert.strictEqual(yield* Ref.get(cursor.offset), Buffer.byteLength(lines("a3") + sentinels))
      appendFileSync(path, lines("b2") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["b1\n", "b2\n"])
    }))

  it.scopedLive("reading to the end crosses a rotation since the last collection", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1"))
      assert.deepStrictEqual((yield* collect(path, cursor, false)).map(logOf), ["a1\n"])
      appendFileSync(path, lines("b1"))
      rotate(path)
      appendFileSync(path, lines("b2"))
      assert.deepStrictEqual((yield* collect(path, cursor, false)).map(logOf), ["b1\n", "b2\n"])
    }))

  it.scopedLive("truncated in place (max-file 1): the next collection reads the file from its start", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1", "a2") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["a1\n", "a2\n"])
      truncateSync(path, 0)
      appendFileSync(path, lines("b1") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["b1\n"])
    }))

  it.scopedLive("rotated twice between collections: it reads on through every rotated file, oldest first", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1") + sentinels + lines("b1"))
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["a1\n"])
      rotate(path)
      appendFileSync(path, lines("b2"))
      rotate(path)
      appendFileSync(path, lines("b3") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["b1\n", "b2\n", "b3\n"])
    }))

  it.scopedLive("more rotations than max-file keeps: the removed file's lines are gone, the rest is read", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      appendFileSync(path, lines("a1") + sentinels + lines("b1"))
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["a1\n"])
      // max-file 2: only `.1` is kept.
      rotate(path)
      appendFileSync(path, lines("b2"))
      rotate(path)
      rmSync(`${path}.2`)
      appendFileSync(path, lines("b3") + sentinels)
      assert.deepStrictEqual((yield* collect(path, cursor)).map(logOf), ["b2\n", "b3\n"])
    }))
})

describe.each([
  { cursor: "opened for each collection", makeCursor: ActivationLogs.makeCursor },
  { cursor: "kept open", makeCursor: keepingCursor }
])("a log rotated while logs and logLines take turns on one cursor, the file $cursor", ({ makeCursor }) => {
  it.scopedLive("each activation's lines exactly once", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const cursor = yield* makeCursor
      const seen: Array<string> = []
      for (let activation = 0; activation < 12; activation++) {
        const logs = Array.from({ length: activation % 4 + 1 }, (_, i) => `${activation}.${i}`)
        logs.forEach((log, i) => {
          appendFileSync(path, lines(log))
          if ((activation + i) % 3 === 0) rotate(path)
        })
        appendFileSync(path, sentinels)
        const collected = activation % 2 === 0
          ? yield* ActivationLogs.collectAll(LogSource.jsonFile(path), cursor, options())
          : yield* collectAll(ActivationLogs.collect(LogSource.jsonFile(path), cursor, options()).pipe(Stream.map((line) => line)))
        assert.deepStrictEqual(collected.map(logOf), logs.map((log) => `${log}\n`), `activation ${activation}`)
        seen.push(...collected)
      }
      assert.strictEqual(new Set(seen).size, seen.length)
    }))
})
