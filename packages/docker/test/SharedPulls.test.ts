// Sharing concurrent pulls of one image (B40) as a decorator over any DockerEngine: OpenWhisk's DockerClientTests
// T31/T32, progress events for every caller, errors inside the stream, interruption.
import { DockerEngine, Errors } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Ref, Stream } from "effect"
import { sharePulls } from "../src/internal/sharedPulls.js"

const settle = Effect.repeatN(Effect.yieldNow(), 20)
const pullCount = Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.count("pull"))
const pullFailed = new Errors.DockerEngineError({ operation: "pull", target: "testimage", reason: "PullFailed" })
const event = (status: string): DockerEngine.PullEvent => ({ status })

const collect = (stream: Stream.Stream<DockerEngine.PullEvent, Errors.DockerEngineError>) =>
  Effect.map(Stream.runCollect(stream), (events) => Chunk.toReadonlyArray(events).map((e) => e.status))

describe("shared pulls", () => {
  it.scoped("T31 collapses parallel pulls of one image into one, and pulls again once it is done", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* sharePulls(yield* DockerEngine.DockerEngine)
        const a = yield* Effect.fork(collect(engine.pull("testimage")))
        const b = yield* Effect.fork(collect(engine.pull("testimage")))
        yield* settle
        assert.strictEqual(yield* pullCount, 1)
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* Fiber.join(a), ["Pulling", "Done"])
        assert.deepStrictEqual(yield* Fiber.join(b), ["Pulling", "Done"])
        yield* collect(engine.pull("testimage"))
        assert.strictEqual(yield* pullCount, 2)
      }).pipe(Effect.provide(DockerEngine.layerTest({
        pull: () =>
          Stream.concat(
            Stream.fromEffect(Effect.as(Deferred.await(gate), event("Pulling"))),
            Stream.succeed(event("Done"))
          )
      })))
    }))

  it.scoped("T32 a failed pull fails every caller and is not remembered", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* sharePulls(yield* DockerEngine.DockerEngine)
        const a = yield* Effect.fork(collect(engine.pull("testimage")))
        const b = yield* Effect.fork(collect(engine.pull("testimage")))
        yield* settle
        assert.strictEqual(yield* pullCount, 1)
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* Fiber.await(a), Exit.fail(pullFailed))
        assert.deepStrictEqual(yield* Fiber.await(b), Exit.fail(pullFailed))
        yield* Effect.flip(collect(engine.pull("testimage")))
        assert.strictEqual(yield* pullCount, 2)
      }).pipe(Effect.provide(DockerEngine.layerTest({
        pull: () => Stream.fromEffect(Effect.zipRight(Deferred.await(gate), Effect.fail(pullFailed)))
      })))
    }))

  it.scoped("pulls of different images are not shared", () =>
    Effect.gen(function*() {
      const engine = yield* sharePulls(yield* DockerEngine.DockerEngine)
      yield* Effect.all([collect(engine.pull("one")), collect(engine.pull("two"))], { concurrency: "unbounded" })
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.sameDeepMembers([...(yield* calls.of("pull"))], [["one"], ["two"]])
    }).pipe(Effect.provide(DockerEngine.layerTest())))

  it.scoped("the last caller leaving interrupts the pull; one caller leaving does not", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* sharePulls(yield* DockerEngine.DockerEngine)
        const a = yield* Effect.fork(collect(engine.pull("testimage")))
        const b = yield* Effect.fork(collect(engine.pull("testimage")))
        yield* settle
        yield* Fiber.interrupt(a)
        yield* settle
        assert.strictEqual(yield* Ref.get(interrupted), 0)
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* Fiber.join(b), ["Done"])

        const c = yield* Effect.fork(collect(engine.pull("other")))
        yield* settle
        yield* Fiber.interrupt(c)
        yield* settle
        assert.strictEqual(yield* Ref.get(interrupted), 1)
      }).pipe(Effect.provide(DockerEngine.layerTest({
        pull: (image) =>
          image === "other"
            ? Stream.fromEffect(Effect.onInterrupt(Effect.never, () => Ref.update(interrupted, (n) => n + 1)))
            : Stream.fromEffect(Effect.as(Deferred.await(gate), event("Done")))
      })))
    }))

  it.scoped("a caller that stops reading early does not end another caller's pull", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      yield* Effect.gen(function*() {
        const engine = yield* sharePulls(yield* DockerEngine.DockerEngine)
        const all = yield* Effect.fork(collect(engine.pull("testimage")))
        yield* settle
        const first = yield* collect(Stream.take(engine.pull("testimage"), 1)).pipe(
          Effect.fork,
          Effect.tap(() => Effect.zipRight(settle, Deferred.succeed(gate, undefined))),
          Effect.flatMap(Fiber.join)
        )
        assert.deepStrictEqual(first, ["a"])
        assert.deepStrictEqual(yield* Fiber.join(all), ["a", "b", "c"])
        assert.strictEqual(yield* pullCount, 1)
      }).pipe(Effect.provide(DockerEngine.layerTest({
        pull: () =>
          Stream.concat(
            Stream.fromEffect(Effect.as(Deferred.await(gate), event("a"))),
            Stream.make(event("b"), event("c"))
          )
      })))
    }))
})
