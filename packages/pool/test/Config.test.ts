// What the pool accepts: make and layer check the whole configuration before anything starts and fail with a
// PoolConfigError naming each invalid field, its value and what is allowed; the defaults and the documented edge
// values (0 pause grace, 0 buffer, Infinity idle timeout, ...) are accepted. invoke refuses an action whose memory,
// timeout, log limit or concurrency the pool could not run with (PoolError InvalidAction), creating nothing.
import { ByteSize, ContainerFactory } from "@effect-whisk/core"
import { type Action, ContainerPool, PoolError } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Scope, TestClock } from "effect"
import { action, count, image, mb, settle, testLayer } from "./support/testPool.js"

/** A value of the wrong type or range, as a JavaScript caller (or a config file) could pass it. */
const unchecked = <A>(value: unknown): A => value as A

const stemCell = { image, memory: mb(256), initialCount: 1 }

const reactive = { minCount: 1, maxCount: 2, ttl: "5 minutes", threshold: 1, increment: 1 } as const

/** One stem cell with these fields changed. */
const cell = (fields: Partial<ContainerPool.StemCell>): ContainerPool.Overrides => ({
  stemCells: [{ ...stemCell, ...fields }]
})

/** One reactive stem cell with these reactive fields changed. */
const reactiveCell = (fields: Partial<ContainerPool.ReactivePrewarm>) => cell({ reactive: { ...reactive, ...fields } })

/** Makes a pool in a scope of its own, closed at once; fails as make fails. */
const tryMake = (config: ContainerPool.Overrides) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const made = yield* Effect.exit(ContainerPool.make(config).pipe(Scope.extend(scope)))
    yield* settle
    yield* Scope.close(scope, Exit.void)
    return yield* made
  })

const refusal = (config: ContainerPool.Overrides) => Effect.flip(tryMake(config))

/** Each invalid value, the field its problem names, and a part of what is allowed. */
const invalid: ReadonlyArray<readonly [string, ContainerPool.Overrides, string, RegExp]> = [
  ["userMemory 0", { userMemory: ByteSize.bytes(0) }, "userMemory", /at least 1 whole bytes/],
  ["userMemory of fractional bytes", { userMemory: ByteSize.bytes(1.5) }, "userMemory", /whole bytes/],
  ["userMemory not a ByteSize", { userMemory: unchecked(1024) }, "userMemory", /ByteSize\.megabytes/],
  ["a negative pauseGrace", { pauseGrace: -1 }, "pauseGrace", /0 or more/],
  ["a pauseGrace of NaN", { pauseGrace: Number.NaN }, "pauseGrace", /0 or more/],
  ["a pauseGrace that is no duration", { pauseGrace: unchecked("ten seconds") }, "pauseGrace", /such as "10 seconds"/],
  ["a negative idleTimeout", { idleTimeout: unchecked("-5 seconds") }, "idleTimeout", /0 or more/],
  ["a negative bufferCapacity", { bufferCapacity: -1 }, "bufferCapacity", /whole number of 0 or more/],
  ["a fractional bufferCapacity", { bufferCapacity: 2.5 }, "bufferCapacity", /whole number/],
  ["an infinite bufferCapacity", { bufferCapacity: Number.POSITIVE_INFINITY }, "bufferCapacity", /whole number/],
  ["a zero bufferRetryInterval", { bufferRetryInterval: 0 }, "bufferRetryInterval", /at least 1 millisecond/],
  ["an infinite bufferRetryInterval", { bufferRetryInterval: Duration.infinity }, "bufferRetryInterval", /finite/],
  ["a negative warmWait", { warmWait: -10 }, "warmWait", /0 or more/],
  ["an infinite bypassWindow", { bypassWindow: Number.POSITIVE_INFINITY }, "bypassWindow", /finite/],
  ["stemCells not an array", { stemCells: unchecked({}) }, "stemCells", /an array/],
  ["a stem cell of memory 0", cell({ memory: ByteSize.bytes(0) }), "stemCells[0].memory", /at least 1/],
  ["a stem cell larger than userMemory", cell({ memory: mb(2048) }), "stemCells[0].memory", /at most userMemory \(1 GB\)/],
  ["a negative initialCount", cell({ initialCount: -1 }), "stemCells[0].initialCount", /0 or more/],
  ["a stem cell without an image", cell({ image: "" }), "stemCells[0].image", /not empty/],
  ["two stem cells of one image and memory", { stemCells: [stemCell, { ...stemCell, initialCount: 2 }] }, "stemCells[1]", /stemCells\[0\] has the same/],
  ["a reactive minCount above maxCount", reactiveCell({ minCount: 3 }), "stemCells[0].reactive.maxCount", /at least minCount \(3\)/],
  ["a reactive maxCount of 0", reactiveCell({ minCount: 0, maxCount: 0 }), "stemCells[0].reactive.maxCount", /1 or more/],
  ["a reactive threshold of 0", reactiveCell({ threshold: 0 }), "stemCells[0].reactive.threshold", /1 or more/],
  ["a reactive increment of 0", reactiveCell({ increment: 0 }), "stemCells[0].reactive.increment", /1 or more/],
  ["a reactive ttl of 0", reactiveCell({ ttl: 0 }), "stemCells[0].reactive.ttl", /at least 1 millisecond/],
  ["a zero prewarmCheckInterval", { prewarmCheckInterval: "0 seconds" }, "prewarmCheckInterval", /at least 1 millisecond/],
  ["a prewarmExpirationLimit of 0", { prewarmExpirationLimit: 0 }, "prewarmExpirationLimit", /1 or more/],
  ["a negative prewarmRetryLimit", { prewarmRetryLimit: -1 }, "prewarmRetryLimit", /0 or more/],
  ["a health check period of 0", { healthCheck: { period: 0 } }, "healthCheck.period", /set enabled: false/],
  ["a negative health check period", { healthCheck: { enabled: true, period: -3000 } }, "healthCheck.period", /at least 1 millisecond/],
  ["a health check maxFails of 0", { healthCheck: { maxFails: 0 } }, "healthCheck.maxFails", /1 or more/],
  ["a misspelt field", unchecked({ pauseGraceMillis: 0 }), "pauseGraceMillis", /absent: the pool's Config has no such field \(its fields: userMemory, pauseGrace, /],
  ["a misspelt health check field", { healthCheck: unchecked({ maxFailures: 5 }) }, "healthCheck.maxFailures", /healthCheck has no such field \(its fields: enabled, period, maxFails\)/],
  ["a health check enabled that is no boolean", { healthCheck: { enabled: unchecked("yes") } }, "healthCheck.enabled", /true or false/]
]

describe("ContainerPool configuration", () => {
  for (const [title, config, field, allowed] of invalid) {
    it.effect(`refuses ${title}, naming ${field}, and creates nothing`, () =>
      Effect.gen(function*() {
        const error = yield* refusal({ stemCells: [stemCell], ...config })
        assert.instanceOf(error, PoolError.PoolConfigError)
        assert.strictEqual(error._tag, "PoolConfigError")
        assert.deepStrictEqual(error.problems.map((problem) => problem.field), [field])
        assert.match(error.problems[0]!.allowed, allowed)
        assert.include(error.message, `${field} is ${error.problems[0]!.value}, but must be `)
        assert.match(error.message, /nothing was started/)
        assert.strictEqual(yield* count("create"), 0)
      }).pipe(Effect.provide(ContainerFactory.layerTest())))
  }

  it.effect("gives every invalid value at once, in the order of the Config's fields, with the value given", () =>
    Effect.gen(function*() {
      const error = yield* refusal({
        healthCheck: { period: "0 millis", maxFails: 0 },
        userMemory: ByteSize.bytes(0),
        bufferCapacity: -1,
        pauseGrace: unchecked("soon")
      })
      assert.deepStrictEqual(error.problems.map(({ field, value }) => [field, value]), [
        ["userMemory", "0 B"],
        ["pauseGrace", "\"soon\""],
        ["bufferCapacity", "-1"],
        ["healthCheck.period", "\"0 millis\""],
        ["healthCheck.maxFails", "0"]
      ])
      assert.match(error.message, /^The pool's configuration has 5 invalid values, nothing was started: userMemory is 0 B, /)
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("layer fails to build with the same error; no container is created", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(ContainerPool.snapshot, testLayer({ stemCells: [stemCell], warmWait: -1 }))
      )
      assert.instanceOf(error, PoolError.PoolConfigError)
      assert.deepStrictEqual(error.problems.map((problem) => problem.field), ["warmWait"])
    }))

  it.effect("the defaults are valid", () =>
    Effect.gen(function*() {
      yield* tryMake({})
      yield* tryMake(ContainerPool.defaults)
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("a field given as undefined keeps its default", () =>
    Effect.gen(function*() {
      yield* tryMake({ pauseGrace: unchecked(undefined), healthCheck: { period: unchecked(undefined) } })
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("the documented edge values are valid", () =>
    Effect.gen(function*() {
      yield* tryMake({
        userMemory: ByteSize.bytes(1),
        pauseGrace: 0,
        idleTimeout: 0,
        bufferCapacity: 0,
        bufferRetryInterval: 1,
        warmWait: 0,
        bypassWindow: 0,
        prewarmCheckInterval: "1 millis",
        prewarmExpirationLimit: 1,
        prewarmRetryLimit: 0,
        healthCheck: { enabled: true, period: 1, maxFails: 1 }
      })
      yield* tryMake({ pauseGrace: Duration.infinity, idleTimeout: Number.POSITIVE_INFINITY })
      // A stem cell of the whole memory, none started at first; a reactive one from zero (better than PF8) that never
      // expires.
      yield* tryMake({
        userMemory: mb(256),
        stemCells: [
          { ...stemCell, initialCount: 0 },
          {
            image: "other:1",
            memory: mb(128),
            initialCount: 0,
            reactive: { ...reactive, minCount: 0, maxCount: 1, ttl: Duration.infinity }
          }
        ]
      })
      assert.strictEqual(yield* count("create"), 0)
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("a pause grace of 0 suspends a container as soon as its activation ends", () =>
    Effect.gen(function*() {
      const record = yield* ContainerPool.invoke(action("hello"), {})
      assert.isTrue(record.response.isSuccess)
      yield* settle
      assert.strictEqual(yield* count("suspend"), 1)
      assert.isTrue((yield* ContainerPool.snapshot).containers[0]!.suspended)
      assert.strictEqual((yield* ContainerPool.invoke(action("hello"), {})).start, "Warm")
    }).pipe(Effect.provide(testLayer({ pauseGrace: 0 }))))

  it.effect("a prewarm with an infinite time to live has no expiry and is never expired", () =>
    Effect.gen(function*() {
      yield* settle
      yield* TestClock.adjust("1 hour")
      yield* settle
      const [info] = (yield* ContainerPool.snapshot).containers
      assert.strictEqual(info?.state, "Prewarmed")
      assert.isUndefined(info?.expires)
      assert.strictEqual(yield* count("destroy"), 0)
    }).pipe(Effect.provide(testLayer({
      prewarmCheckInterval: "1 minute",
      stemCells: [{ ...stemCell, reactive: { ...reactive, ttl: Number.POSITIVE_INFINITY } }]
    }))))
})

/** Each invalid action field, the problem's field, and a part of what is allowed. */
const invalidActions: ReadonlyArray<readonly [string, Partial<Action.Action>, string, RegExp]> = [
  ["memory 0", { memory: ByteSize.bytes(0) }, "memory", /at least 1 whole bytes/],
  ["a negative memory", { memory: mb(-1) }, "memory", /at least 1/],
  ["a timeout of 0", { timeout: 0 }, "timeout", /at least 1 millisecond/],
  ["a negative timeout", { timeout: "-1 seconds" }, "timeout", /at least 1 millisecond/],
  ["an infinite timeout", { timeout: Duration.infinity }, "timeout", /finite/],
  ["a timeout that is no duration", { timeout: unchecked("a minute") }, "timeout", /such as "10 seconds"/],
  ["a negative logLimit", { logLimit: ByteSize.bytes(-1) }, "logLimit", /0 or more/],
  ["maxConcurrent 0", { maxConcurrent: 0 }, "maxConcurrent", /1 or more/],
  ["a maxConcurrent of NaN", { maxConcurrent: Number.NaN }, "maxConcurrent", /whole number/],
  ["a fractional maxConcurrent", { maxConcurrent: 1.5 }, "maxConcurrent", /whole number/],
  ["a maxResponse of 0", { maxResponse: ByteSize.bytes(0) }, "maxResponse", /at least 1/],
  ["an empty name", { name: "" }, "name", /not empty/],
  ["an empty image", { image: " " }, "image", /not empty/]
]

describe("ContainerPool.invoke of an invalid action", () => {
  for (const [title, fields, field, allowed] of invalidActions) {
    it.effect(`refuses ${title} with InvalidAction naming ${field}, and creates nothing`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ContainerPool.invoke(action("bad", fields), {}))
        assert.instanceOf(error, PoolError.PoolError)
        assert.strictEqual(error.reason, "InvalidAction")
        assert.deepStrictEqual(error.problems?.map((problem) => problem.field), [field])
        assert.match(error.problems![0]!.allowed, allowed)
        assert.match(error.message, new RegExp(`^${error.action} was not run, its definition is invalid: ${field} is `))
        assert.strictEqual(yield* count("create"), 0)
        // The pool goes on: a valid action runs.
        assert.isTrue((yield* ContainerPool.invoke(action("good"), {})).response.isSuccess)
      }).pipe(Effect.provide(testLayer())))
  }

  it.effect("accepts the edge values: a log limit of 0 (no logs), maxConcurrent 1", () =>
    Effect.gen(function*() {
      const record = yield* ContainerPool.invoke(
        action("edge", { logLimit: ByteSize.bytes(0), maxConcurrent: 1 }),
        {}
      )
      assert.isTrue(record.response.isSuccess)
      assert.deepStrictEqual(record.logs, [])
    }).pipe(Effect.provide(testLayer())))
})
