// The file driver's own mechanics, with its change notifications replaced: polling when notifications are missing or
// missed, and a watcher that lives exactly as long as a collection that waits. Its rules are tested with the stream's
// in CollectFromFile.test.ts.
import { ByteSize, Messages } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Ref } from "effect"
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { performance } from "node:perf_hooks"
import { join } from "node:path"
import { type Watch, watchFile } from "../src/internal/changeNotifications.js"
import type { CollectionSettings } from "../src/internal/activationReading.js"
import { collectFromFile } from "../src/internal/fileCollection.js"

const dockerLine = (log: string, stream = "stdout") =>
  `${JSON.stringify({ log, stream, time: "2024-05-01T10:00:00.123456789Z" })}\n`

const sentinels = dockerLine(`${Messages.activationLogSentinel}\n`, "stdout") +
  dockerLine(`${Messages.activationLogSentinel}\n`, "stderr")

const limit = ByteSize.megabytes(10)

const settings: CollectionSettings = {
  limit: limit.bytes,
  truncated: Messages.truncateLogs(limit),
  requireSentinels: true,
  sentinels: 2,
  idleTimeout: Duration.seconds(2),
  timeout: Duration.seconds(20),
  skipRest: true
}

const pollInterval = Duration.millis(5)

const logFile = Effect.acquireRelease(
  Effect.sync(() => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-file-collection-"))
    const path = join(directory, "0123-json.log")
    writeFileSync(path, "")
    return { directory, path }
  }),
  ({ directory }) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

const appendLater = (path: string, ...writes: ReadonlyArray<string>) =>
  Effect.forkScoped(Effect.forEach(writes, (text) =>
    Effect.zipRight(Effect.sleep("20 millis"), Effect.sync(() => appendFileSync(path, text)))))

// A turn from offset 0 that keeps the offset it was released with.
const turn = Effect.map(Ref.make<number | undefined>(undefined), (released) => ({
  turn: { take: Effect.void, offset: Effect.succeed(0), release: (offset: number) => Ref.set(released, offset) },
  released: Ref.get(released)
}))

// The real notifications, counting the watchers started and stopped.
const countedWatch = Effect.sync(() => {
  const counts = { started: 0, stopped: 0 }
  const watch: Watch = (path, onChange) => {
    const stop = watchFile(path, onChange)
    counts.started += 1
    return stop === undefined ? undefined : () => {
      counts.stopped += 1
      stop()
    }
  }
  return { watch, counts: Effect.sync(() => ({ ...counts })) }
})

describe("collecting from a file", () => {
  it.scopedLive("a waiting collection wakes on a change notification (the poll interval is far too long to do it)", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { turn: from0 } = yield* turn
      yield* appendLater(path, dockerLine("one\n"), sentinels)
      const started = performance.now()
      const out = yield* collectFromFile(path, settings, Duration.minutes(1), from0, watchFile)
      assert.deepStrictEqual(out, [dockerLine("one\n").trimEnd()])
      assert.isBelow(performance.now() - started, 10_000)
    }))

  it.scopedLive("without change notifications, polling finds the lines", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { turn: from0 } = yield* turn
      yield* appendLater(path, dockerLine("one\n"), sentinels)
      const out = yield* collectFromFile(path, settings, pollInterval, from0, () => undefined)
      assert.deepStrictEqual(out, [dockerLine("one\n").trimEnd()])
    }))

  it.scopedLive("a missed notification is made up for by the poll", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { turn: from0 } = yield* turn
      yield* appendLater(path, dockerLine("one\n"), sentinels)
      const silent: Watch = () => () => {}
      const out = yield* collectFromFile(path, settings, pollInterval, from0, silent)
      assert.deepStrictEqual(out, [dockerLine("one\n").trimEnd()])
    }))

  it.scopedLive("an activation already written is read without watching the file", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { turn: from0 } = yield* turn
      const { counts, watch } = yield* countedWatch
      appendFileSync(path, dockerLine("one\n") + sentinels)
      yield* collectFromFile(path, settings, pollInterval, from0, watch)
      assert.deepStrictEqual(yield* counts, { started: 0, stopped: 0 })
    }))

  it.scopedLive("a collection that waits watches the file until it ends", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { released, turn: from0 } = yield* turn
      const { counts, watch } = yield* countedWatch
      yield* appendLater(path, dockerLine("one\n"), sentinels)
      yield* collectFromFile(path, settings, pollInterval, from0, watch)
      assert.deepStrictEqual(yield* counts, { started: 1, stopped: 1 })
      assert.strictEqual(yield* released, Buffer.byteLength(dockerLine("one\n") + sentinels))
    }))

  it.scopedLive("an interrupted collection stops watching and ends its turn at the offset it reached", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { released, turn: from0 } = yield* turn
      const { counts, watch } = yield* countedWatch
      appendFileSync(path, dockerLine("one\n"))
      const collecting = yield* Effect.fork(collectFromFile(path, settings, pollInterval, from0, watch))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(collecting)
      assert.deepStrictEqual(yield* counts, { started: 1, stopped: 1 })
      assert.strictEqual(yield* released, Buffer.byteLength(dockerLine("one\n")))
    }))

  it.scopedLive("a turn that is never taken is never released, and the file is not opened", () =>
    Effect.gen(function*() {
      let releases = 0
      const blocked = { take: Effect.never, offset: Effect.succeed(0), release: () => Effect.sync(() => releases++) }
      const collecting = yield* Effect.fork(collectFromFile("/nonexistent/0123-json.log", settings, pollInterval, blocked, watchFile))
      yield* Effect.sleep("20 millis")
      // Had it opened the file, the collection would have failed with NotFound before the interruption.
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(collecting)))
      assert.strictEqual(releases, 0)
    }))
})
