// A test of a user's code on the test Layers of the published packages: no engine, no runc, scripted action answers.
// scripts/check-packages.sh runs it with vitest in a scratch project of installed tarballs.
import { ContainerHttp, ContainerResponse, DockerEngine, Runc, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"

// The user's code: greets someone through an action container.
const greet = (name: string) =>
  Effect.scoped(Effect.gen(function*() {
    const container = yield* DockerContainer.createScoped({ image: "greeter:1", userProvided: false })
    const options = { timeout: Duration.seconds(5), maxConcurrent: 1 }
    yield* container.initialize({ name: "greeter", main: "main", binary: false, code: "..." }, options)
    const { response } = yield* container.run({ name }, {}, options)
    return response.result
  }))

// An action that answers /init with OK and /run with a greeting of the `name` parameter.
const greeter = (request: ContainerHttp.TestRequest) => {
  if (request.path === "/init") return Effect.succeed(ContainerResponse.make(200, '{"OK":true}'))
  const { value } = request.body as { readonly value: { readonly name: string } }
  return Effect.succeed(ContainerResponse.make(200, JSON.stringify({ greeting: `Hello, ${value.name}!` })))
}

const testLayer = () =>
  Layer.mergeAll(
    DockerEngine.layerTest(),
    Runc.layerTest(),
    ContainerHttp.layerTest(greeter),
    WhiskConfig.layerWith()
  )

describe("greet", () => {
  it.effect("gives the action's greeting, and removes the container", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* greet("tests"), { greeting: "Hello, tests!" })
      const posts = yield* (yield* ContainerHttp.ContainerHttpCalls).of("post")
      assert.deepStrictEqual(posts.map(([, path]) => path), ["/init", "/run"])
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("remove"), 1)
    }).pipe(Effect.provide(testLayer())))
})
