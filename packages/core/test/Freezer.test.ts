import { ContainerId, DockerEngine, Errors, Freezer, Runc } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"

const target: Freezer.Target = { id: ContainerId.make("c1"), pid: 42 }

describe("Freezer", () => {
  it.effect("layerTest succeeds, says cgroup and records every call with its target", () =>
    Effect.gen(function*() {
      const freezer = yield* Freezer.Freezer
      yield* freezer.freeze(target)
      yield* freezer.thaw(target)
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("cgroup"))
      const calls = yield* Freezer.FreezerCalls
      assert.deepStrictEqual(yield* calls.of("freeze"), [[target]])
      assert.deepStrictEqual(yield* calls.of("thaw"), [[target]])
    }).pipe(Effect.provide(Freezer.layerTest())))

  it.effect("layerTest takes scripted answers", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* Freezer.Freezer).freeze(target))
      assert.strictEqual(error._tag, "FreezerError")
      assert.include(error.message, "EFFECT_WHISK_FREEZER=runc")
    }).pipe(Effect.provide(Freezer.layerTest({
      freeze: ({ id }) => Effect.fail(new Errors.FreezerError({ operation: "freeze", containerId: id, reason: "Unavailable" }))
    }))))

  it.effect("fromRunc pauses and resumes the container with runc", () =>
    Effect.gen(function*() {
      const freezer = Freezer.fromRunc(yield* Runc.Runc)
      yield* freezer.freeze(target)
      yield* freezer.thaw(target)
      const calls = yield* Runc.RuncCalls
      assert.deepStrictEqual((yield* calls.all).map((call) => [call.method, ...call.args]), [["pause", "c1"], ["resume", "c1"]])
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("runc"))
    }).pipe(Effect.provide(Runc.layerTest())))

  it.effect("fromEngine pauses and unpauses through the engine", () =>
    Effect.gen(function*() {
      const freezer = Freezer.fromEngine(yield* DockerEngine.DockerEngine)
      yield* freezer.freeze(target)
      yield* freezer.thaw(target)
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual((yield* calls.all).map((call) => [call.method, ...call.args]), [["pause", "c1"], ["unpause", "c1"]])
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("engine"))
    }).pipe(Effect.provide(DockerEngine.layerTest())))

  it.effect("DockerEngine.layerTest answers inspectStarted with inspectAddress's answer", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const started = yield* engine.inspectStarted(ContainerId.make("c1"), "bridge")
      assert.strictEqual(started.address.asString, "testIp:8080")
      assert.strictEqual(started.pid, 0)
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("inspectAddress"), 1)
    }).pipe(Effect.provide(DockerEngine.layerTest())))
})
