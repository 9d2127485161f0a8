// Per-activation log attribution with maxConcurrent 1 (LogsGate), through ContainerFactory.layerTest's containers
// and the gate itself: the order of /runs and collections, the opt-out, and every way out of a held gate.
import { ByteSize, ContainerFactory, LogLine, LogsGate } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Fiber, Option, Stream, TestClock } from "effect"

const runOptions = { timeout: Duration.seconds(1), maxConcurrent: 1 }
const logsOptions = { limit: ByteSize.megabytes(1), waitForSentinel: true }
const textOf = (raw: string) => LogLine.stripLineEnd((JSON.parse(raw) as { log: string }).log)

// Each activation writes its own marker on stdout and stderr.
const markers = ContainerFactory.layerTest({
  run: ({ body }) => {
    const marker = String((body as { activation_id: string }).activation_id)
    return Effect.succeed(ContainerFactory.answer(200, {}, [
      { stream: "stdout", text: `${marker} out` },
      { stream: "stderr", text: `${marker} err` }
    ]))
  }
})

const ownLines = (marker: string) => [`${marker} out`, `${marker} err`]

const create = ContainerFactory.create({ image: "image", userProvided: false })

const methods = Effect.flatMap(ContainerFactory.ContainerFactoryCalls, (calls) => calls.all).pipe(
  Effect.map((calls) => calls.map((call) => call.method).filter((method) => method === "run" || method.startsWith("log")))
)

/** Not done after the scheduler has run everything that can run. */
const stillWaiting = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
    return Option.isNone(yield* Fiber.poll(fiber))
  })

describe("LogsGate on ContainerFactory.layerTest", () => {
  it.effect("10 concurrent activations: each /run waits for the previous collection, each gets exactly its own lines", () =>
    Effect.gen(function*() {
      const container = yield* create
      const collected = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        (i) =>
          Effect.zipRight(
            container.run({}, { activation_id: `a${i}` }, runOptions),
            // Half stream their logs, half take them at once: both end the hold.
            i % 2 === 0
              ? Effect.map(Stream.runCollect(container.logs(logsOptions)), Chunk.toReadonlyArray)
              : container.logLines(logsOptions)
          ).pipe(Effect.map((lines) => [`a${i}`, lines.map(textOf)] as const)),
        { concurrency: "unbounded" }
      )
      for (const [marker, lines] of collected) assert.deepStrictEqual(lines, ownLines(marker))
      const order = yield* methods
      assert.strictEqual(order.length, 20)
      order.forEach((method, i) => assert.strictEqual(method === "run", i % 2 === 0, `call ${i}: ${order.join(",")}`))
    }).pipe(Effect.provide(markers)))

  it.effect("logsCollected: false lets the next /run go before this activation's collection", () =>
    Effect.gen(function*() {
      const container = yield* create
      yield* container.run({}, { activation_id: "first" }, { ...runOptions, logsCollected: false })
      const next = yield* Effect.fork(container.run({}, { activation_id: "second" }, runOptions))
      yield* Fiber.join(next)
      assert.deepStrictEqual(yield* methods, ["run", "run"])
    }).pipe(Effect.provide(markers)))

  it.effect("by default another fiber's /run waits while the collection has not come, and goes once it has ended", () =>
    Effect.gen(function*() {
      const container = yield* create
      yield* container.run({}, { activation_id: "first" }, runOptions)
      const next = yield* Effect.fork(container.run({}, { activation_id: "second" }, runOptions))
      assert.isTrue(yield* stillWaiting(next))
      assert.deepStrictEqual((yield* container.logLines(logsOptions)).map(textOf), ownLines("first"))
      yield* Fiber.join(next)
      assert.deepStrictEqual(yield* methods, ["run", "logLines", "run"])
    }).pipe(Effect.provide(markers)))

  it.effect("no deadlock without a collection: the same fiber's next /run goes at once", () =>
    Effect.gen(function*() {
      const container = yield* create
      for (let i = 0; i < 3; i++) yield* container.run({}, { activation_id: `a${i}` }, runOptions)
      assert.deepStrictEqual(yield* methods, ["run", "run", "run"])
    }).pipe(Effect.provide(markers)))

  it.effect("no deadlock without a collection: another fiber's /run goes after the grace time", () =>
    Effect.gen(function*() {
      const container = yield* create
      yield* Effect.fork(container.run({}, { activation_id: "abandoned" }, runOptions)).pipe(Effect.flatMap(Fiber.join))
      const next = yield* Effect.fork(container.run({}, { activation_id: "next" }, runOptions))
      yield* TestClock.adjust(Duration.subtract(LogsGate.defaultGrace, Duration.millis(1)))
      assert.isTrue(yield* stillWaiting(next))
      yield* TestClock.adjust(Duration.millis(1))
      yield* Fiber.join(next)
      assert.deepStrictEqual(yield* methods, ["run", "run"])
    }).pipe(Effect.provide(markers)))

  it.effect("suspend and resume between a /run and its collection neither take nor wait for the gate", () =>
    Effect.gen(function*() {
      const container = yield* create
      yield* container.run({}, { activation_id: "first" }, runOptions)
      const next = yield* Effect.fork(container.run({}, { activation_id: "second" }, runOptions))
      yield* container.suspend
      yield* container.resume
      assert.deepStrictEqual((yield* container.logLines(logsOptions)).map(textOf), ownLines("first"))
      yield* Fiber.join(next)
      assert.deepStrictEqual((yield* container.logLines(logsOptions)).map(textOf), ownLines("second"))
    }).pipe(Effect.provide(markers)))

  it.effect("with maxConcurrent above 1, /runs neither wait nor hold", () =>
    Effect.gen(function*() {
      const container = yield* create
      const options = { ...runOptions, maxConcurrent: 4 }
      yield* container.run({}, { activation_id: "first" }, options)
      yield* Effect.fork(container.run({}, { activation_id: "second" }, options)).pipe(Effect.flatMap(Fiber.join))
      assert.deepStrictEqual(yield* methods, ["run", "run"])
    }).pipe(Effect.provide(markers)))
})

describe("LogsGate", () => {
  const hold = (gate: LogsGate.LogsGate) => gate.run(runOptions, Effect.void)
  const other = <A, E>(effect: Effect.Effect<A, E>) => Effect.fork(effect)

  it.effect("an interrupted /run opens the gate", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      const posting = yield* Deferred.make<void>()
      const stuck = yield* other(gate.run(runOptions, Effect.zipRight(Deferred.succeed(posting, undefined), Effect.never)))
      yield* Deferred.await(posting)
      const next = yield* other(hold(gate))
      assert.isTrue(yield* stillWaiting(next))
      yield* Fiber.interrupt(stuck)
      yield* Fiber.join(next)
    }))

  it.effect("an uncollected /run waits while another's collection is due, then posts holding nothing", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      const uncollected = { ...runOptions, logsCollected: false }
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
      const waiting = yield* other(gate.run(uncollected, Effect.void))
      assert.isTrue(yield* stillWaiting(waiting))
      yield* gate.collection(Effect.void)
      yield* Fiber.join(waiting)
      // It left the gate open: another fiber's /run goes at once.
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
    }))

  it.effect("while an uncollected /run posts, another fiber's /run takes the gate; interrupting it changes nothing", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      const posting = yield* Deferred.make<void>()
      const stuck = yield* other(gate.run(
        { ...runOptions, logsCollected: false },
        Effect.zipRight(Deferred.succeed(posting, undefined), Effect.never)
      ))
      yield* Deferred.await(posting)
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
      yield* Fiber.interrupt(stuck)
      // The hold of the /run that went is still there for its collection.
      const next = yield* other(hold(gate))
      assert.isTrue(yield* stillWaiting(next))
      yield* gate.collection(Effect.void)
      yield* Fiber.join(next)
    }))

  it.effect("a failed /run opens the gate", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      yield* other(Effect.flip(gate.run(runOptions, Effect.fail("refused")))).pipe(Effect.flatMap(Fiber.join))
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
    }))

  it.effect("an interrupted collection opens the gate", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
      const collecting = yield* other(gate.collection(Effect.never))
      const next = yield* other(hold(gate))
      // Past the grace time too: a collection that has started is waited for until it ends.
      yield* TestClock.adjust(Duration.times(LogsGate.defaultGrace, 2))
      assert.isTrue(yield* stillWaiting(next))
      yield* Fiber.interrupt(collecting)
      yield* Fiber.join(next)
    }))

  it.effect("a streamed collection holds until its stream ends, also when it fails", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
      const release = yield* Deferred.make<void>()
      const collecting = yield* other(Effect.either(Stream.runDrain(
        gate.collectionStream(
          Stream.concat(Stream.succeed("line"), Stream.fromEffect(Effect.zipRight(Deferred.await(release), Effect.fail("gone"))))
        )
      )))
      const next = yield* other(hold(gate))
      assert.isTrue(yield* stillWaiting(next))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(collecting)
      yield* Fiber.join(next)
    }))

  it.effect("a collection that started before the /run ended does not end its hold", () =>
    Effect.gen(function*() {
      const gate = yield* LogsGate.make()
      const earlier = yield* Deferred.make<void>()
      const collecting = yield* other(gate.collection(Deferred.await(earlier)))
      yield* other(hold(gate)).pipe(Effect.flatMap(Fiber.join))
      const next = yield* other(hold(gate))
      yield* Deferred.succeed(earlier, undefined)
      yield* Fiber.join(collecting)
      assert.isTrue(yield* stillWaiting(next))
      yield* gate.collection(Effect.void)
      yield* Fiber.join(next)
    }))
})
