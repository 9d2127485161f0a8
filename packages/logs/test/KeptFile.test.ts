// A cursor that keeps its json-file log open between collections (a container's, `makeKeepingCursor`): the file stays
// open after a collection and is read on from there, it is closed by `closeKeptFile` (also when a collection is under
// way then), and a kept file that is no longer linked is never read from: the log is looked up by its path, as a
// cursor that opens the file for each collection does.
import { ByteSize, LogSource } from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { appendFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dockerLine, sentinels, tempLogFile } from "./support/jsonFileLog.js"
import { logOf } from "./support/rawLogs.js"
import { descriptorsOn } from "./support/openDescriptors.js"

const lines = (...logs: ReadonlyArray<string>) => logs.map((log) => dockerLine(`${log}\n`)).join("")

const options: ActivationLogs.Options = {
  limit: ByteSize.megabytes(1),
  waitForSentinel: true,
  idleTimeout: "2 seconds",
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
}


const collect = (path: string, cursor: ActivationLogs.Cursor) =>
  Effect.map(ActivationLogs.collectAll(LogSource.jsonFile(path), cursor, options), (out) => out.map(logOf))

// Skip reason: the tests count this process's open descriptors in /proc/self/fd, which only Linux has; CI runs on
// Linux, so they never skip there.
describe.skipIf(process.platform !== "linux")("a cursor that keeps its log file open", () => {
  it.scopedLive("the file stays open between collections, each reads on where the last stopped, and closing closes it", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLogFile
      const cursor = yield* ActivationLogs.makeKeepingCursor
      appendFileSync(path, lines("a1") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["a1\n"])
      assert.strictEqual(descriptorsOn(path), 1)
      appendFileSync(path, lines("b1", "b2") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["b1\n", "b2\n"])
      assert.strictEqual(descriptorsOn(path), 1)
      yield* ActivationLogs.closeKeptFile(cursor)
      assert.strictEqual(descriptorsOn(path), 0)
      // Closed for good: a later collection still works, and keeps nothing open.
      appendFileSync(path, lines("c1") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["c1\n"])
      assert.strictEqual(descriptorsOn(path), 0)
    }))

  it.scopedLive("a cursor that does not keep it leaves nothing open", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLogFile
      const cursor = yield* ActivationLogs.makeCursor
      appendFileSync(path, lines("a1") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["a1\n"])
      assert.strictEqual(descriptorsOn(path), 0)
      yield* ActivationLogs.closeKeptFile(cursor)
    }))

  it.scopedLive("closed while a collection waits: the collection ends as it would, then the file is closed", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLogFile
      const cursor = yield* ActivationLogs.makeKeepingCursor
      appendFileSync(path, lines("a1") + sentinels)
      yield* collect(path, cursor)
      appendFileSync(path, lines("b1"))
      const collecting = yield* Effect.fork(collect(path, cursor))
      yield* Effect.sleep("30 millis")
      yield* ActivationLogs.closeKeptFile(cursor)
      appendFileSync(path, sentinels)
      assert.deepStrictEqual(yield* Fiber.join(collecting), ["b1\n"])
      assert.strictEqual(descriptorsOn(path), 0)
    }))

  it.scopedLive("a log removed and written anew at its path: the new file is read, not the removed one", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLogFile
      const cursor = yield* ActivationLogs.makeKeepingCursor
      yield* Effect.addFinalizer(() => ActivationLogs.closeKeptFile(cursor))
      appendFileSync(path, lines("a1") + sentinels + lines("lost"))
      assert.deepStrictEqual(yield* collect(path, cursor), ["a1\n"])
      rmSync(path)
      // The new file has no line at the cursor's offset: it is read from where the offset says, as after a
      // truncation, from its start.
      writeFileSync(path, lines("n1") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["n1\n"])
    }))

  it.scopedLive("a log removed: the collection fails with the file missing, as it does without a kept file", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLogFile
      const cursor = yield* ActivationLogs.makeKeepingCursor
      yield* Effect.addFinalizer(() => ActivationLogs.closeKeptFile(cursor))
      appendFileSync(path, lines("a1") + sentinels)
      assert.deepStrictEqual(yield* collect(path, cursor), ["a1\n"])
      renameSync(path, `${path}.gone`)
      rmSync(`${path}.gone`)
      const exit = yield* Effect.exit(collect(path, cursor))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "LogFileError")
      assert.strictEqual(descriptorsOn(path), 0)
    }))
})
