// Leftover removal by name prefix (B10) over mock layers: thaw then remove, failures reported, the time bound, and
// the layer that runs it at start and at stop.
import { ContainerId, DockerEngine, Errors, Runc, WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import * as Cleanup from "../src/Cleanup.js"

const summary = (n: number, state = "running"): DockerEngine.ContainerSummary => ({
  id: ContainerId.make(String(n).repeat(64)),
  names: [`effect-whisk_${n}`],
  image: "image",
  state
})

const services = (
  engine: Partial<DockerEngine.Service>,
  runc: Partial<Runc.Service> = {},
  config: Parameters<typeof WhiskConfig.layerWith>[0] = {}
) => Layer.mergeAll(DockerEngine.layerTest(engine), Runc.layerTest(runc), WhiskConfig.layerWith(config))

describe("Cleanup", () => {
  it.effect("lists by the configured prefix, thaws each container with runc, then removes it", () =>
    Effect.gen(function*() {
      const report = yield* Cleanup.removeLeftovers
      assert.deepStrictEqual(report, { found: 2, failures: [] })
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual(yield* engine.of("list"), [["effect-whisk_"]])
      assert.sameDeepMembers([...(yield* runc.of("resume"))], [[summary(1).id], [summary(2).id]])
      assert.sameDeepMembers([...(yield* engine.of("remove"))], [[summary(1).id], [summary(2).id]])
    }).pipe(Effect.provide(services({ list: () => Effect.succeed([summary(1), summary(2)]) }))))

  it.effect("with use-runc off, unpauses paused containers through the engine; a failed thaw does not stop the removal", () =>
    Effect.gen(function*() {
      yield* Cleanup.removeLeftoversWith("other")
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual(yield* engine.of("list"), [["other_"]])
      assert.deepStrictEqual(yield* engine.of("unpause"), [[summary(2).id]])
      assert.strictEqual(yield* runc.count("resume"), 0)
      assert.strictEqual(yield* engine.count("remove"), 2)
    }).pipe(Effect.provide(services(
      {
        list: () => Effect.succeed([summary(1), summary(2, "paused")]),
        unpause: () => Effect.fail(new Errors.DockerEngineError({ operation: "unpause", reason: "Conflict" }))
      },
      {},
      { docker: { useRunc: false } }
    ))))

  it.effect("a container that cannot be removed is reported; the others are still removed", () =>
    Effect.gen(function*() {
      const report = yield* Cleanup.removeLeftovers
      assert.strictEqual(report.found, 3)
      assert.strictEqual(report.failures.length, 1)
      assert.strictEqual(report.failures[0]?.target, summary(2).id)
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* engine.count("remove"), 3)
    }).pipe(Effect.provide(services({
      list: () => Effect.succeed([summary(1), summary(2), summary(3)]),
      remove: (id) =>
        id === summary(2).id
          ? Effect.fail(new Errors.DockerEngineError({ operation: "remove", target: id, reason: "ServerError" }))
          : Effect.void
    }))))

  it.effect("a failed listing fails the cleanup", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Cleanup.removeLeftovers)
      assert.strictEqual(error.reason, "Unavailable")
    }).pipe(Effect.provide(services({
      list: () => Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Unavailable" }))
    }))))

  it.effect("the whole cleanup is bounded by cleanupTimeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Cleanup.removeLeftovers)
      yield* TestClock.adjust("31 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.deepInclude(error, { operation: "removeLeftovers", reason: "Timeout" })
    }).pipe(Effect.provide(services({ list: () => Effect.succeed([summary(1)]), remove: () => Effect.never }))))

  it.effect("the layer removes leftovers when it is built and again when it is released", () =>
    Effect.gen(function*() {
      const lists = yield* Ref.make(0)
      const list = () => Effect.as(Ref.update(lists, (n) => n + 1), [summary(1)])
      const base = services({ list }, {}, { cleanupTimeout: Duration.seconds(5) })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(Cleanup.layer.pipe(Layer.provide(base)))
        assert.strictEqual(yield* Ref.get(lists), 1)
      }))
      assert.strictEqual(yield* Ref.get(lists), 2)
    }))

  it.effect("a failure at release is logged, not raised; a failure at build fails the layer", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const list = () =>
        Effect.flatMap(Ref.updateAndGet(calls, (n) => n + 1), (n) =>
          n === 1 ? Effect.succeed([]) : Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Timeout" })))
      yield* Effect.scoped(Layer.build(Cleanup.layer.pipe(Layer.provide(services({ list })))))
      assert.strictEqual(yield* Ref.get(calls), 2)

      const failing = services({ list: () => Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Unavailable" })) })
      const error = yield* Effect.flip(Effect.scoped(Layer.build(Cleanup.layer.pipe(Layer.provide(failing)))))
      assert.strictEqual(error.reason, "Unavailable")
    }))
})
