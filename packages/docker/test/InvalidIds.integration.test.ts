// Ids and names that would change a request path ("", ".", "..", "x/", "a/../b") on the real engine: every engine
// entry point that takes one fails with a typed InvalidId before any request, and the client itself refuses the
// engine's redirect (it used to follow it to the host "containers" and crash the process).
import { type ContainerId, DockerEngine, Errors, WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Effect, Exit } from "effect"
import * as DockerodeEngine from "../src/DockerodeEngine.js"
import { withoutRedirects } from "../src/internal/engineClient.js"
import { fakeEngine } from "./support/fakeEngine.js"
import { skipWithoutEngine } from "./support/realEngine.js"

const badIds = ["", ".", "..", "x/", "a/../b", "../../version", "a?force=1"]

const entryPoints = (engine: DockerEngine.Service, id: string) => {
  const containerId = id as ContainerId.ContainerId
  return {
    inspectAddress: engine.inspectAddress(containerId, "bridge"),
    state: engine.state(containerId),
    pause: engine.pause(containerId),
    unpause: engine.unpause(containerId),
    remove: engine.remove(id),
    logSource: engine.logSource(containerId)
  }
}

const environment = WhiskConfig.layerWith()

describe("invalid container ids and names", () => {
  it.scopedLive("fail with InvalidId at every entry point, with no request made", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(() => ({ status: 500, body: { message: "no request should arrive" } }))
      const engine = yield* DockerodeEngine.makeWith(fake.docker)
      for (const id of badIds) {
        for (const [name, call] of Object.entries(entryPoints(engine, id))) {
          const exit = yield* Effect.exit(call)
          assert.isTrue(Exit.isFailure(exit), `${name}(${JSON.stringify(id)})`)
          const error = yield* Effect.flip(call)
          assert.instanceOf(error, Errors.DockerEngineError, `${name}(${JSON.stringify(id)})`)
          if (error instanceof Errors.DockerEngineError) {
            assert.strictEqual(error.reason, "InvalidId", `${name}(${JSON.stringify(id)})`)
            assert.include(error.message, "container name")
          }
        }
      }
      assert.deepStrictEqual(fake.requests, [])
    }).pipe(Effect.provide(environment)))
})

// Skip reason: no Docker engine answers on this machine (never under CI or scripts/test.sh, where a missing engine fails).
describe.skipIf(skipWithoutEngine)("invalid container ids and names on the real engine", () => {
  it.scopedLive("fail with InvalidId at every entry point, and the process goes on", () =>
    Effect.gen(function*() {
      const engine = yield* DockerodeEngine.makeWith(new Docker())
      for (const id of badIds) {
        for (const [name, call] of Object.entries(entryPoints(engine, id))) {
          const error = yield* Effect.flip(call)
          assert.strictEqual((error as Errors.DockerEngineError).reason, "InvalidId", `${name}(${JSON.stringify(id)})`)
        }
      }
      // The engine still answers this process.
      assert.match((yield* engine.version).version, /^\d+\./)
    }).pipe(Effect.provide(environment)))

  it.live("the client refuses the engine's redirect instead of following it to a bogus host", () =>
    Effect.gen(function*() {
      const docker = withoutRedirects(new Docker())
      for (const id of ["", ".", "..", "a/../b"]) {
        for (const call of [() => docker.getContainer(id).inspect(), () => docker.getContainer(id).pause()]) {
          const outcome = yield* Effect.either(Effect.tryPromise(call))
          // A failure of the call itself (a refused redirect or the engine's 4xx), not a crash of the process.
          assert.isTrue(outcome._tag === "Left", JSON.stringify(id))
        }
      }
      const version = yield* Effect.promise(() => docker.version())
      assert.match(version.Version, /^\d+\./)
    }))
})
