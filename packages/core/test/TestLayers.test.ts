import { ContainerAddress, ContainerHttp, ContainerId, ContainerResponse, ContainerSpec, DockerEngine, Errors, Runc } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Stream } from "effect"
import * as ByteSize from "@effect-whisk/core/ByteSize"

const options: ContainerHttp.PostOptions = {
  timeout: Duration.seconds(1),
  maxResponse: ByteSize.megabytes(1),
  truncation: ByteSize.megabytes(1),
  retry: false,
  reschedule: false
}

describe("test layers", () => {
  it.effect("DockerEngine.layerTest answers with OpenWhisk's test defaults and records calls", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const calls = yield* DockerEngine.DockerEngineCalls
      const id = yield* engine.createAndStart(ContainerSpec.make({ image: "image" }))
      const address = yield* engine.inspectAddress(id, "bridge")
      yield* Stream.runDrain(engine.pull("image"))
      assert.strictEqual(id, "testId")
      assert.strictEqual(address.asString, "testIp:8080")
      assert.deepStrictEqual((yield* calls.all).map((call) => call.method), ["createAndStart", "inspectAddress", "pull"])
      assert.deepStrictEqual(yield* calls.of("pull"), [["image"]])
    }).pipe(Effect.provide(DockerEngine.layerTest())))

  it.effect("DockerEngine.layerTest takes scripted answers", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const exit = yield* Effect.exit(engine.pause(ContainerId.make("x")))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("pause"), 1)
    }).pipe(Effect.provide(DockerEngine.layerTest({
      pause: (id) => Effect.fail(new Errors.DockerEngineError({ operation: "pause", reason: "NotFound", target: id }))
    }))))

  it.effect("each build of a test layer starts with no calls", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 2; i++) {
        const count = yield* Effect.gen(function*() {
          yield* (yield* Runc.Runc).pause(ContainerId.make("a"))
          return yield* (yield* Runc.RuncCalls).count("pause")
        }).pipe(Effect.provide(Runc.layerTest()))
        assert.strictEqual(count, 1)
      }
    }))

  it.effect("ContainerHttp.layerTest answers every post and records open, post and close", () =>
    Effect.gen(function*() {
      const http = yield* ContainerHttp.ContainerHttp
      const client = yield* http.open(ContainerAddress.make("1.2.3.4"), { maxConcurrent: 1 })
      const response = yield* client.post("/run", { value: {} }, options)
      yield* client.close
      assert.strictEqual(response.statusCode, 201)
      assert.strictEqual(response.entity, "/run")
      const calls = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* calls.all).map((call) => call.method), ["open", "post", "close"])
    }).pipe(Effect.provide(ContainerHttp.layerTest(({ path }) => Effect.succeed(ContainerResponse.make(201, path))))))

  it.effect("ContainerHttp.layerTest gives respond and the record the value an EncodedBody stands for", () =>
    Effect.gen(function*() {
      const http = yield* ContainerHttp.ContainerHttp
      const client = yield* http.open(ContainerAddress.make("1.2.3.4"), { maxConcurrent: 1 })
      const response = yield* client.post("/run", ContainerHttp.encoded(`{"value":{"a":1},"activation_id":"a1"}`), options)
      assert.strictEqual(response.entity, `{"value":{"a":1},"activation_id":"a1"}`)
      const posts = yield* (yield* ContainerHttp.ContainerHttpCalls).of("post")
      assert.deepStrictEqual(posts.map((args) => args[2]), [{ value: { a: 1 }, activation_id: "a1" }])
    }).pipe(Effect.provide(ContainerHttp.layerTest(({ body }) => Effect.succeed(ContainerResponse.make(200, JSON.stringify(body)))))))

  it.effect("ContainerHttp.layerTest answers every probe as scripted (by default a success) and records it", () =>
    Effect.gen(function*() {
      const http = yield* ContainerHttp.ContainerHttp
      yield* http.probe(ContainerAddress.make("1.2.3.4"), { timeout: Duration.seconds(1) })
      const refused = yield* Effect.flip(http.probe(ContainerAddress.make("5.6.7.8"), { timeout: Duration.seconds(1) }))
      assert.strictEqual(refused.reason, "Refused")
      assert.strictEqual(refused.target, "5.6.7.8:8080")
      const probes = yield* (yield* ContainerHttp.ContainerHttpCalls).of("probe")
      assert.deepStrictEqual(probes.map((args) => (args[0] as ContainerAddress.ContainerAddress).asString), [
        "1.2.3.4:8080",
        "5.6.7.8:8080"
      ])
    }).pipe(Effect.provide(ContainerHttp.layerTest(undefined, (address) =>
      address.host === "5.6.7.8"
        ? Effect.fail(new Errors.ProbeError({ target: address.asString, reason: "Refused" }))
        : Effect.void))))
})
