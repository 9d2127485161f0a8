// The live layer finds the engine as the docker CLI does: DOCKER_HOST (unix socket, tcp, tls), else the default
// socket; a DOCKER_HOST it cannot use is a typed error. The layer also carries the run limit and the shared pulls.
import { ContainerSpec, DockerEngine, EngineConfig } from "@effect-whisk/core"
import { DockerodeEngine } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Schedule, Stream } from "effect"
import { fakeEngine, type Reply } from "./support/fakeEngine.js"

const keys = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] as const

// Tests in a file run one after another, and each vitest worker is its own process: setting the variables is safe.
const withEnv = (env: Partial<Record<(typeof keys)[number], string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved = keys.map((key) => [key, process.env[key]] as const)
      for (const key of keys) {
        const value = env[key]
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
      return saved
    }),
    (saved) =>
      Effect.sync(() => {
        for (const [key, value] of saved) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      })
  )

const versionReply: Reply = { status: 200, body: { Version: "fake", ApiVersion: "1.41" } }
const environment = EngineConfig.layerWith({ parallelRuns: 1 })

describe("DOCKER_HOST", () => {
  it.scopedLive("a unix:// DOCKER_HOST is the engine's socket", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(() => versionReply)
      yield* withEnv({ DOCKER_HOST: fake.host })
      const engine = yield* DockerodeEngine.make
      assert.deepStrictEqual(yield* engine.version, { version: "fake", apiVersion: "1.41", flavor: "docker" })
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(environment)))

  it.scopedLive("a tcp:// DOCKER_HOST is reached over TCP", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(() => versionReply, { tcp: true })
      yield* withEnv({ DOCKER_HOST: fake.host })
      const engine = yield* DockerodeEngine.make
      assert.strictEqual((yield* engine.version).version, "fake")
      assert.strictEqual(fake.requests[0]?.path, "/version")
    }).pipe(Effect.provide(environment)))

  it.scopedLive("the engine's endpoint is what DOCKER_HOST names, or the default socket, and says whether it is this machine", () =>
    Effect.gen(function*() {
      yield* withEnv({})
      assert.deepStrictEqual((yield* DockerodeEngine.make).endpoint, {
        url: "unix:///var/run/docker.sock",
        host: "127.0.0.1",
        local: true
      })
      yield* withEnv({ DOCKER_HOST: "tcp://10.1.2.3:2375" })
      assert.deepStrictEqual((yield* DockerodeEngine.make).endpoint, {
        url: "tcp://10.1.2.3:2375",
        host: "10.1.2.3",
        local: false
      })
    }).pipe(Effect.provide(environment)))

  it.scopedLive("TLS without its certificates, or a DOCKER_HOST that is not an address, is a typed error", () =>
    Effect.gen(function*() {
      yield* withEnv({ DOCKER_HOST: "tcp://127.0.0.1:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/nonexistent/certs" })
      const tls = yield* Effect.flip(DockerodeEngine.client)
      assert.deepInclude(tls, { _tag: "DockerEngineError", operation: "connect", reason: "Unavailable" })
      assert.include(tls.message, "/nonexistent/certs")
      yield* withEnv({ DOCKER_HOST: "tcp://[not an address" })
      const garbled = yield* Effect.flip(DockerodeEngine.client)
      assert.deepInclude(garbled, { operation: "connect", target: "tcp://[not an address" })
    }))

  it.scopedLive("the live layer limits creates and shares pulls", () =>
    Effect.gen(function*() {
      const pulls: Array<(reply: Reply) => void> = []
      const creates: Array<(reply: Reply) => void> = []
      const fake = yield* fakeEngine((request, respond) => {
        if (request.path === "/version") return versionReply
        if (request.path === "/images/create") pulls.push(respond)
        else if (request.path === "/containers/create") creates.push(respond)
        else return { status: 204 }
        return undefined
      })
      yield* withEnv({ DOCKER_HOST: fake.host })
      const context = yield* Layer.build(DockerodeEngine.layer.pipe(Layer.provide(environment)))
      const engine = Context.get(context, DockerEngine.DockerEngine)
      const waitFor = (check: () => boolean) =>
        Effect.suspend(() => check() ? Effect.void : Effect.fail("not yet")).pipe(
          Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 300 }),
          Effect.orDie
        )

      const first = yield* Effect.fork(Stream.runDrain(engine.pull("image")))
      const second = yield* Effect.fork(Stream.runDrain(engine.pull("image")))
      yield* waitFor(() => pulls.length === 1)
      yield* Effect.sleep("100 millis")
      assert.strictEqual(pulls.length, 1)
      pulls[0]?.({ status: 200, body: JSON.stringify({ status: "Done" }) + "\n" })
      yield* Fiber.join(first)
      yield* Fiber.join(second)

      const a = yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image: "a" })))
      const b = yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image: "b" })))
      yield* waitFor(() => creates.length === 1)
      yield* Effect.sleep("100 millis")
      assert.strictEqual(creates.length, 1, "parallelRuns is 1: the second create waits")
      creates[0]?.({ status: 201, body: { Id: "1".repeat(64) } })
      yield* waitFor(() => creates.length === 2)
      creates[1]?.({ status: 201, body: { Id: "2".repeat(64) } })
      assert.strictEqual(yield* Fiber.join(a), "1".repeat(64))
      assert.strictEqual(yield* Fiber.join(b), "2".repeat(64))
    }))
})
