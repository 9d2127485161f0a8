// Stem cells (PT10–PT15): the initial count within the memory, their use and replacement, the exact
// match of image and memory, bounded retries of failed starts, and reactive prewarming over time.
import { Errors } from "@effect-whisk/core"
import { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { action, count, image, mb, settle, sleepingRun, testLayer } from "./support/testPool.js"

const invoke = ContainerPool.invoke

const prewarms = Effect.map(ContainerPool.snapshot, (snapshot) =>
  snapshot.containers.filter((info) => info.state === "Prewarmed" || info.state === "Starting"))

describe("ContainerPool prewarming", () => {
  it.effect("PT11: the initial prewarms start with the pool", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual((yield* prewarms).length, 2)
      assert.strictEqual(yield* count("create"), 2)
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, mb(512).bytes)
    }).pipe(Effect.provide(testLayer({ stemCells: [{ image, memory: mb(256), initialCount: 2 }] }))))

  it.effect("PT10: the user memory caps the prewarms", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual((yield* prewarms).length, 1)
      assert.strictEqual(yield* count("create"), 1)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(256), stemCells: [{ image, memory: mb(256), initialCount: 2 }] }))))

  it.effect("PT12, PX3: a prewarm is used, initialised once, and replaced", () =>
    Effect.gen(function*() {
      yield* settle
      const record = yield* invoke(action("hello"), {})
      assert.strictEqual(record.start, "Prewarmed")
      assert.isUndefined(record.timings.create)
      assert.isDefined(record.timings.init)
      yield* settle
      assert.strictEqual(yield* count("create"), 3)
      assert.strictEqual((yield* prewarms).length, 2)
      assert.strictEqual((yield* invoke(action("hello"), {})).start, "Warm")
      assert.strictEqual(yield* count("initialize"), 1)
    }).pipe(Effect.provide(testLayer({ stemCells: [{ image, memory: mb(256), initialCount: 2 }] }, { run: sleepingRun }))))

  it.effect("PT14, PT15, P16: a prewarm of another image or memory is not used, nor by a blackbox action", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual((yield* invoke(action("other-image", { image: "other:1" }), {})).start, "Cold")
      assert.strictEqual((yield* invoke(action("other-memory", { memory: mb(128) }), {})).start, "Cold")
      assert.strictEqual((yield* invoke(action("blackbox", { blackbox: true }), {})).start, "Cold")
      assert.strictEqual((yield* prewarms).length, 1)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(2048), stemCells: [{ image, memory: mb(256), initialCount: 1 }] }))))

  it.effect("better than PF2: a stem cell is evicted when nothing else can make room", () =>
    Effect.gen(function*() {
      yield* settle
      const record = yield* invoke(action("large", { image: "other:1", memory: mb(512) }), {})
      assert.strictEqual(record.start, "Cold")
      assert.strictEqual(yield* count("destroy"), 1)
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, mb(768).bytes)
      assert.strictEqual((yield* prewarms).length, 1)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(768), stemCells: [{ image, memory: mb(256), initialCount: 2 }] }))))

  it.effect("PT25, better than PF5: failed starts are replaced, but only prewarmRetryLimit times in a row", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual(yield* count("create"), 2 + 3)
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, 0)
      // The pool still serves activations of other images.
      assert.isTrue((yield* invoke(action("other", { image: "other:1" }), {})).response.isSuccess)
    }).pipe(Effect.provide(testLayer({ prewarmRetryLimit: 3, stemCells: [{ image, memory: mb(256), initialCount: 2 }] }, {
      create: (request) =>
        request.image === image
          ? Effect.fail(new Errors.WhiskContainerStartupError({ message: "no image", image }))
          : Effect.void
    }))))

  it.effect("PT27, PT49–PT51: reactive prewarms expire, then follow the cold starts between min and max", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual((yield* prewarms).length, 2)
      // Expiry after 2 minutes; the first check after 10 minutes removes both (minCount not protected) and tops up to 1.
      yield* TestClock.adjust("10 minutes")
      yield* settle
      const afterExpiry = yield* prewarms
      assert.strictEqual(afterExpiry.length, 1)
      assert.strictEqual(yield* count("destroy"), 2)
      // 6 concurrent activations of 6 actions: one takes the prewarm (a replacement starts), the rest start cold.
      const fibers = []
      for (let i = 0; i < 6; i++) fibers.push(yield* Effect.fork(invoke(action(`a${i}`), { sleep: 100 })))
      yield* settle
      yield* TestClock.adjust(100)
      const records = yield* Fiber.joinAll(fibers)
      const cold = records.filter((record) => record.start === "Cold").length
      assert.isAtLeast(cold, 4)
      // The next check: min(max(1, cold / 1 * 1), 4) = 4 prewarms.
      yield* TestClock.adjust("10 minutes")
      yield* settle
      assert.strictEqual((yield* prewarms).filter((info) => info.state === "Prewarmed").length, 4)
    }).pipe(Effect.provide(testLayer({
      userMemory: mb(4096),
      stemCells: [{
        image,
        memory: mb(256),
        initialCount: 2,
        reactive: { minCount: 1, maxCount: 4, ttl: "2 minutes", threshold: 1, increment: 1 }
      }]
    }, { run: sleepingRun }))))
})
