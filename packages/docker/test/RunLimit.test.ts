// The create limit (B38) as a decorator over any DockerEngine: OpenWhisk's DockerClientTests T33/T34, fairness, and
// no permit lost to interruption.
import { ContainerId, ContainerSpec, DockerEngine, Errors } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, FastCheck, Ref } from "effect"
import * as FairSemaphore from "../src/internal/fairSemaphore.js"
import { limitRuns } from "../src/internal/runLimit.js"

const id1 = ContainerId.make("1".repeat(64))
const id2 = ContainerId.make("2".repeat(64))
const settle = Effect.repeatN(Effect.yieldNow(), 20)
const runCount = Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.count("createAndStart"))

describe("run limit", () => {
  it.effect("T33 runs at most one create at a time with a limit of 1", () =>
    Effect.gen(function*() {
      const first = yield* Deferred.make<ContainerId.ContainerId>()
      yield* Effect.gen(function*() {
        const engine = yield* limitRuns(1)(yield* DockerEngine.DockerEngine)
        const a = yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image: "first" })))
        yield* settle
        const b = yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image: "second" })))
        yield* settle
        assert.strictEqual(yield* runCount, 1)
        yield* Deferred.succeed(first, id1)
        const results = [yield* Fiber.join(a), yield* Fiber.join(b)]
        assert.strictEqual(yield* runCount, 2)
        assert.sameMembers(results, [id1, id2])
      }).pipe(Effect.provide(DockerEngine.layerTest({
        createAndStart: (options) => options.image === "first" ? Deferred.await(first) : Effect.succeed(id2)
      })))
    }))

  it.effect("T34 gives the permit back when a create fails", () =>
    Effect.gen(function*() {
      const engine = yield* limitRuns(1)(yield* DockerEngine.DockerEngine)
      const failed = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "first" })))
      assert.strictEqual(failed._tag, "DockerEngineError")
      assert.strictEqual(yield* engine.createAndStart(ContainerSpec.make({ image: "second" })), id2)
    }).pipe(Effect.provide(DockerEngine.layerTest({
      createAndStart: (options) =>
        options.image === "first"
          ? Effect.fail(new Errors.DockerEngineError({ operation: "create", reason: "ServerError" }))
          : Effect.succeed(id2)
    }))))

  it.effect("0 means unlimited", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* limitRuns(0)(yield* DockerEngine.DockerEngine)
        const fibers = yield* Effect.forEach(
          Array.from({ length: 25 }, (_, i) => i),
          (i) => Effect.fork(engine.createAndStart(ContainerSpec.make({ image: `image${i}` })))
        )
        yield* settle
        assert.strictEqual(yield* runCount, 25)
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.joinAll(fibers)
      }).pipe(Effect.provide(DockerEngine.layerTest({ createAndStart: () => Effect.as(Deferred.await(gate), id1) })))
    }))

  it.effect("waiting creates start in the order they arrived", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<string>>([])
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* limitRuns(2)(yield* DockerEngine.DockerEngine)
        const images = Array.from({ length: 8 }, (_, i) => `image${i}`)
        const fibers: Array<Fiber.RuntimeFiber<ContainerId.ContainerId, unknown>> = []
        for (const image of images) {
          fibers.push(yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image }))))
          yield* settle
        }
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.joinAll(fibers)
        assert.deepStrictEqual(yield* Ref.get(started), images)
      }).pipe(Effect.provide(DockerEngine.layerTest({
        createAndStart: (options) =>
          Ref.update(started, (all) => [...all, options.image]).pipe(
            Effect.zipRight(Deferred.await(gate)),
            Effect.as(id1)
          )
      })))
    }))
})

describe("fair semaphore", () => {
  it.effect("a newcomer does not overtake fibers already waiting for a released permit", () =>
    Effect.gen(function*() {
      const semaphore = yield* FairSemaphore.make(1)
      const order = yield* Ref.make<ReadonlyArray<string>>([])
      const holder = yield* Deferred.make<void>()
      const note = (name: string) => semaphore.withPermit(Ref.update(order, (all) => [...all, name]))
      const held = yield* Effect.fork(semaphore.withPermit(Deferred.await(holder)))
      yield* settle
      const waiter = yield* Effect.fork(note("waiter"))
      yield* settle
      // Release and arrive in the same step: the waiter still goes first.
      yield* Deferred.succeed(holder, undefined)
      yield* Fiber.join(held)
      yield* note("newcomer")
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(yield* Ref.get(order), ["waiter", "newcomer"])
    }))

  it.effect("an interrupted waiter gives up its place and no permit is lost", () =>
    Effect.gen(function*() {
      const semaphore = yield* FairSemaphore.make(1)
      const holder = yield* Deferred.make<void>()
      const held = yield* Effect.fork(semaphore.withPermit(Deferred.await(holder)))
      yield* settle
      const gone = yield* Effect.fork(semaphore.withPermit(Effect.void))
      const next = yield* Effect.fork(semaphore.withPermit(Effect.succeed("next")))
      yield* settle
      assert.strictEqual(yield* semaphore.waiting, 2)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(gone)))
      yield* Deferred.succeed(holder, undefined)
      yield* Fiber.join(held)
      assert.strictEqual(yield* Fiber.join(next), "next")
      assert.strictEqual(yield* semaphore.available, 1)
    }))

  it.effect.prop(
    "interrupting waiters and holders at random never loses or duplicates a permit",
    [FastCheck.integer({ min: 1, max: 4 }), FastCheck.array(FastCheck.tuple(FastCheck.boolean(), FastCheck.nat(5)), { maxLength: 30 })],
    ([permits, plan]) =>
      Effect.gen(function*() {
        const semaphore = yield* FairSemaphore.make(permits)
        const inside = yield* Ref.make(0)
        const peak = yield* Ref.make(0)
        const work = (yields: number) =>
          semaphore.withPermit(
            Ref.updateAndGet(inside, (n) => n + 1).pipe(
              Effect.tap((n) => Ref.update(peak, (p) => Math.max(p, n))),
              Effect.zipRight(Effect.repeatN(Effect.yieldNow(), yields)),
              Effect.ensuring(Ref.update(inside, (n) => n - 1))
            )
          )
        const fibers = yield* Effect.forEach(plan, ([, yields]) => Effect.fork(work(yields)))
        yield* Effect.yieldNow()
        yield* Effect.forEach(fibers, (fiber, i) => plan[i]?.[0] === true ? Fiber.interrupt(fiber) : Effect.void)
        yield* Effect.forEach(fibers, Fiber.await)
        assert.isAtMost(yield* Ref.get(peak), permits)
        assert.strictEqual(yield* semaphore.available, permits)
        assert.strictEqual(yield* semaphore.waiting, 0)
      })
  )
})
