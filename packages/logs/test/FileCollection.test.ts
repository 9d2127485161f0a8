// The file reader's own mechanics, with its change notifications replaced: polling when notifications are missing or
// missed, a watcher that lives exactly as long as a collection that waits, the reads' growth, the file's errors, and
// the stream over the reader closing what it opened. Its rules are tested in CollectFromFile.test.ts.
import { ByteSize, Errors, Messages } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Fiber, Option, Ref, Stream } from "effect"
import { appendFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { join } from "node:path"
import { type Watch, watchFile } from "../src/internal/changeNotifications.js"
import type { CollectionSettings } from "../src/internal/activationReading.js"
import { collectFromFile, HandOff, maxReadSize, nextReadSize, streamFromFile } from "../src/internal/fileCollection.js"
import type { Position } from "../src/internal/turn.js"
import { dockerLine, sentinels, tempLogFile } from "./support/jsonFileLog.js"
import { descriptorsOn } from "./support/openDescriptors.js"


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

const logFile = tempLogFile

const appendLater = (path: string, ...writes: ReadonlyArray<string>) =>
  Effect.forkScoped(Effect.forEach(writes, (text) =>
    Effect.zipRight(Effect.sleep("20 millis"), Effect.sync(() => appendFileSync(path, text)))))

// A turn from an offset (0 by default) that keeps the offset it was released with.
const turnFrom = (start: number) =>
  Effect.map(Ref.make<number | undefined>(undefined), (released) => ({
    turn: {
      take: Effect.void,
      position: Effect.succeed({ offset: start, file: undefined }),
      release: (position: Position) => Ref.set(released, position.offset)
    },
    released: Ref.get(released)
  }))
const turn = turnFrom(0)

const failureOf = <A>(exit: Exit.Exit<A, Errors.LogFileError>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined


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
      const watches = { started: 0, stopped: 0 }
      // Watches, but never notifies.
      const silent: Watch = () => {
        watches.started += 1
        return () => {
          watches.stopped += 1
        }
      }
      const out = yield* collectFromFile(path, settings, pollInterval, from0, silent)
      assert.deepStrictEqual(out, [dockerLine("one\n").trimEnd()])
      // Watched unless both writes came before the first read (a loaded machine); stopped in any case.
      assert.strictEqual(watches.stopped, watches.started)
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
      const collecting = yield* Effect.fork(collectFromFile(path, settings, pollInterval, from0, watch))
      // The file is empty: the collection waits, watching it (however long a loaded machine takes to get there).
      yield* counts.pipe(Effect.delay("5 millis"), Effect.repeat({ until: ({ started }) => started === 1 }), Effect.timeout("10 seconds"))
      appendFileSync(path, dockerLine("one\n") + sentinels)
      yield* Fiber.join(collecting)
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
      // Waiting at the end of the file: then it watches it (however long a loaded machine takes to get there).
      yield* counts.pipe(Effect.delay("5 millis"), Effect.repeat({ until: ({ started }) => started === 1 }), Effect.timeout("10 seconds"))
      yield* Fiber.interrupt(collecting)
      assert.deepStrictEqual(yield* counts, { started: 1, stopped: 1 })
      assert.strictEqual(yield* released, Buffer.byteLength(dockerLine("one\n")))
    }))

  it.scopedLive("a turn that is never taken is never released, and the file is not opened", () =>
    Effect.gen(function*() {
      let releases = 0
      const blocked = {
        take: Effect.never,
        position: Effect.succeed({ offset: 0, file: undefined }),
        release: () => Effect.sync(() => releases++)
      }
      const collecting = yield* Effect.fork(collectFromFile("/nonexistent/0123-json.log", settings, pollInterval, blocked, watchFile))
      yield* Effect.sleep("20 millis")
      // Had it opened the file, the collection would have failed with NotFound before the interruption.
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(collecting)))
      assert.strictEqual(releases, 0)
    }))

  it.scopedLive("reads to the end from the turn's offset", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      appendFileSync(path, dockerLine("one\n") + dockerLine("two\n"))
      const toEnd = { ...settings, requireSentinels: false }
      const { released, turn: fromSecond } = yield* turnFrom(Buffer.byteLength(dockerLine("one\n")))
      assert.deepStrictEqual(yield* collectFromFile(path, toEnd, undefined, fromSecond, watchFile), [dockerLine("two\n").trimEnd()])
      const end = Buffer.byteLength(dockerLine("one\n") + dockerLine("two\n"))
      assert.strictEqual(yield* released, end)
      assert.deepStrictEqual(yield* collectFromFile(path, toEnd, undefined, (yield* turnFrom(end)).turn, watchFile), [])
    }))

  it("reads grow fourfold while they fill their buffer, up to maxReadSize", () => {
    assert.deepStrictEqual(
      [nextReadSize(64 * 1024, true), nextReadSize(256 * 1024, true), nextReadSize(maxReadSize, true), nextReadSize(256 * 1024, false)],
      [256 * 1024, maxReadSize, maxReadSize, 256 * 1024]
    )
  })

  it.scopedLive("a backlog larger than the largest read is read whole", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const lines = Array.from({ length: 30_000 }, (_, i) => dockerLine(`line ${i} ${"x".repeat(100)}\n`))
      appendFileSync(path, lines.join("") + sentinels)
      const out = yield* collectFromFile(path, settings, pollInterval, (yield* turn).turn, watchFile)
      assert.isAbove(Buffer.byteLength(lines.join("")), 3 * maxReadSize)
      assert.deepStrictEqual(out, lines.map((line) => line.trimEnd()))
    }))

  it.scopedLive("a missing file is a LogFileError, not an empty log, whether or not the collection waits", () =>
    Effect.gen(function*() {
      const { directory } = yield* logFile
      const missing = join(directory, "missing-json.log")
      for (const poll of [undefined, pollInterval]) {
        const error = failureOf(yield* Effect.exit(collectFromFile(missing, settings, poll, (yield* turn).turn, watchFile)))
        assert.instanceOf(error, Errors.LogFileError)
        assert.deepStrictEqual([error?.reason, error?.path], ["NotFound", missing])
      }
    }))

  it.scopedLive("a directory is a LogFileError", () =>
    Effect.gen(function*() {
      const { directory } = yield* logFile
      const error = failureOf(yield* Effect.exit(collectFromFile(directory, settings, undefined, (yield* turn).turn, watchFile)))
      assert.strictEqual(error?.reason, "NotAFile")
    }))

  it.scopedLive("the stream reads on only as its consumer takes lines: a consumer that stops after one chunk leaves the file unread", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      // 32 MiB of lines and no sentinel: without waiting for the consumer, the reader would read it all at once.
      const line = dockerLine(`${"x".repeat(200)}\n`)
      const block = line.repeat(Math.ceil(1024 * 1024 / line.length))
      for (let i = 0; i < 32; i++) appendFileSync(path, block)
      const { released, turn: from0 } = yield* turn
      const big: CollectionSettings = { ...settings, limit: ByteSize.megabytes(64).bytes, requireSentinels: false }
      yield* Effect.scoped(Effect.gen(function*() {
        const pull = yield* Stream.toPull(streamFromFile(path, big, Duration.hours(1), from0, watchFile))
        const first = yield* pull
        assert.isAbove(first.length, 0)
        yield* Effect.sleep("300 millis")
      }))
      const reached = yield* Effect.flatMap(released, Effect.fromNullable)
      // The read the consumer took and the one read ahead that waits for its next pull, each at most the largest read.
      assert.isAtMost(reached, 2 * maxReadSize, `read ${reached} bytes of ${32 * block.length} for a consumer that took one chunk`)
    }))

  it.scopedLive("a slow consumer gets every line, one read's lines per chunk (the reader waits for it instead of gathering reads)", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      // 8 MiB of 200-byte lines: four reads of the largest size and more.
      const line = dockerLine(`${"y".repeat(200)}\n`)
      const linesPerRead = Math.floor(maxReadSize / line.length)
      for (let i = 0; i < 8; i++) appendFileSync(path, line.repeat(Math.ceil(1024 * 1024 / line.length)))
      const { turn: from0 } = yield* turn
      const big: CollectionSettings = { ...settings, limit: ByteSize.megabytes(64).bytes, requireSentinels: false }
      let taken = 0
      let chunks = 0
      let largest = 0
      yield* streamFromFile(path, big, undefined, from0, watchFile).pipe(
        Stream.runForEachChunk((chunk) =>
          Effect.andThen(Effect.sleep("20 millis"), () => {
            taken += chunk.length
            chunks += 1
            largest = Math.max(largest, chunk.length)
          })
        )
      )
      assert.strictEqual(taken, 8 * Math.ceil(1024 * 1024 / line.length))
      // Each chunk is one read's lines (or the end's, joined to the read that waited): none gathers several reads.
      assert.isAtMost(largest, linesPerRead + 1)
      assert.isAtLeast(chunks, 8)
    }))

  describe("the hand-off between the reader and the stream's pulls", () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`)

    it.effect("a read's lines wait for a pull, and the reader with them; a pull that finds none waits for the next read", () =>
      Effect.gen(function*() {
        const handOff = new HandOff()
        let readOn = false
        const waiting = handOff.offer(lines(3))
        assert.isDefined(waiting)
        void waiting!.then(() => {
          readOn = true
        })
        assert.strictEqual(handOff.held, 3)
        const first = yield* handOff.pull
        assert.deepStrictEqual(Chunk.toReadonlyArray(first), lines(3))
        assert.strictEqual(handOff.held, 0)
        yield* Effect.promise(() => waiting!)
        assert.isTrue(readOn)
        // A pull that comes first takes the next read at once: the reader need not wait.
        const next = yield* Effect.fork(handOff.pull)
        yield* Effect.yieldNow()
        assert.isUndefined(handOff.offer(lines(2)))
        assert.strictEqual(handOff.held, 0)
        assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(next)), lines(2))
      }))

    it.effect("the end's lines join the read that waits; pulls take them, then the stream ends or fails", () =>
      Effect.gen(function*() {
        const handOff = new HandOff()
        void handOff.offer(lines(2))
        void handOff.offer(["notice"])
        handOff.end(undefined)
        assert.strictEqual(handOff.held, 3)
        assert.deepStrictEqual(Chunk.toReadonlyArray(yield* handOff.pull), [...lines(2), "notice"])
        assert.deepStrictEqual(yield* Effect.flip(handOff.pull), Option.none())
        const failing = new HandOff()
        const waiting = yield* Effect.fork(failing.pull)
        yield* Effect.yieldNow()
        const error = new Errors.LogFileError({ path: "/nowhere", reason: "NotFound" })
        failing.end(error)
        assert.deepStrictEqual(yield* Effect.flip(Fiber.join(waiting)), Option.some(error))
      }))
  })

  it.scopedLive("the stream over the reader emits each read's lines; interrupted, it closes its file, stops watching and ends its turn", () =>
    Effect.gen(function*() {
      const { path } = yield* logFile
      const { released, turn: from0 } = yield* turn
      const { counts, watch } = yield* countedWatch
      appendFileSync(path, dockerLine("one\n"))
      const received = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.fork(Stream.runForEach(
        streamFromFile(path, settings, Duration.hours(1), from0, watch),
        (line) => Ref.update(received, (all) => [...all, line])
      ))
      const receivedAll = (count: number) =>
        Ref.get(received).pipe(
          Effect.delay("5 millis"),
          Effect.repeat({ until: (lines) => lines.length >= count }),
          Effect.timeout("10 seconds")
        )
      yield* receivedAll(1)
      appendFileSync(path, dockerLine("two\n"))
      assert.deepStrictEqual(yield* receivedAll(2), [dockerLine("one\n").trimEnd(), dockerLine("two\n").trimEnd()])
      assert.strictEqual(descriptorsOn(path), 1)
      yield* Fiber.interrupt(fiber)
      // The file's close is not awaited: give it a moment.
      yield* Effect.sleep("20 millis")
      assert.strictEqual(descriptorsOn(path), 0)
      // It watched the file if it waited after the second line (not when that line came before it got there).
      const watched = yield* counts
      assert.strictEqual(watched.stopped, watched.started)
      assert.strictEqual(yield* released, Buffer.byteLength(dockerLine("one\n") + dockerLine("two\n")))
    }))
})
