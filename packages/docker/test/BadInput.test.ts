// Bad input is a typed error before any call, over the test layers: resources the engine cannot honour and
// environment values that are not strings (no engine call at all), initializers, parameters and environment fields
// that cannot be encoded as JSON (no HTTP post, so no "exited unexpectedly" and no OOM polling).
import { ByteSize, ContainerHttp, DockerEngine, Runc, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"

const services = () =>
  Layer.mergeAll(DockerEngine.layerTest(), Runc.layerTest(), ContainerHttp.layerTest(), WhiskConfig.layerWith())

const engineCalls = Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.all)
const posts = Effect.flatMap(ContainerHttp.ContainerHttpCalls, (calls) => calls.count("post"))

const base = { image: "image", userProvided: false } as const

const badCreates: ReadonlyArray<readonly [string, DockerContainer.CreateOptions, string, string]> = [
  ["memory below the engine's minimum (5 MiB)", { ...base, memory: ByteSize.megabytes(5) }, "InvalidResources", "6 MiB"],
  ["memory below 1 MiB", { ...base, memory: ByteSize.kilobytes(512) }, "InvalidResources", "6 MiB"],
  ["memory NaN", { ...base, memory: ByteSize.bytes(Number.NaN) }, "InvalidResources", "memory"],
  ["cpu limit NaN", { ...base, cpuLimit: Number.NaN }, "InvalidResources", "cpu limit"],
  ["cpu limit Infinity", { ...base, cpuLimit: Number.POSITIVE_INFINITY }, "InvalidResources", "cpu limit"],
  ["cpu limit 0", { ...base, cpuLimit: 0 }, "InvalidResources", "cpu limit"],
  ["cpu limit -1", { ...base, cpuLimit: -1 }, "InvalidResources", "cpu limit"],
  ["cpu shares 1.5", { ...base, cpuShares: 1.5 }, "InvalidResources", "cpu shares"],
  ["cpu shares -2", { ...base, cpuShares: -2 }, "InvalidResources", "cpu shares"],
  ["a label value that is a number", { ...base, labels: { team: 7 as unknown as string } }, "InvalidResources", "label"],
  ["an environment value that is a number", { ...base, environment: { N: 1 as unknown as string } }, "InvalidEnvironment", "a number"],
  ["an environment value that is null", { ...base, environment: { N: null as unknown as string } }, "InvalidEnvironment", "null"],
  ["an environment value that is an object", { ...base, environment: { N: {} as unknown as string } }, "InvalidEnvironment", "an object"]
]

const cycle = (): unknown => {
  const value: Record<string, unknown> = {}
  value["self"] = value
  return value
}

const unencodable: ReadonlyArray<readonly [string, () => unknown]> = [
  ["a BigInt", () => ({ n: 10n })],
  ["a cycle", cycle],
  ["a toJSON that throws", () => ({ toJSON: () => { throw new Error("no JSON for you") } })]
]

const callOptions = { timeout: Duration.seconds(1), maxConcurrent: 1 }

describe("bad input is a typed error before any call", () => {
  for (const [label, options, tag, says] of badCreates) {
    it.effect(`create with ${label}: ${tag}, no engine call`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(DockerContainer.create(options))
        assert.strictEqual(error._tag, tag)
        assert.include(error.message, says)
        assert.deepStrictEqual(yield* engineCalls, [])
      }).pipe(Effect.provide(services())))
  }

  it.effect("the engine's minimum memory itself (6 MiB) is accepted", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ ...base, memory: ByteSize.megabytes(6) })
      assert.isAbove((yield* engineCalls).length, 0)
    }).pipe(Effect.provide(services())))

  for (const [label, value] of unencodable) {
    it.effect(`initialize with ${label}: InvalidPayload, no post`, () =>
      Effect.gen(function*() {
        const container = yield* DockerContainer.create(base)
        const error = yield* Effect.flip(container.initialize(value(), callOptions))
        assert.strictEqual(error._tag, "InvalidPayload")
        assert.include(error.message, "The initializer cannot be sent to the action as JSON")
        assert.strictEqual(yield* posts, 0)
      }).pipe(Effect.provide(services())))

    it.effect(`run with ${label} in the parameters, or in the environment: InvalidPayload, no post`, () =>
      Effect.gen(function*() {
        const container = yield* DockerContainer.create(base)
        yield* container.initialize({ code: "x" }, callOptions)
        const inParameters = yield* Effect.flip(container.run(value(), {}, callOptions))
        assert.strictEqual(inParameters._tag, "InvalidPayload")
        assert.include(inParameters.message, "The parameters cannot")
        const inEnvironment = yield* Effect.flip(container.run({}, { activation_id: value() }, callOptions))
        assert.strictEqual(inEnvironment._tag, "InvalidPayload")
        assert.include(inEnvironment.message, "The environment cannot")
        // The /init only.
        assert.strictEqual(yield* posts, 1)
      }).pipe(Effect.provide(services())))
  }
})
