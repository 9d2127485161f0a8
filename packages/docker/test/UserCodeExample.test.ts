// The test of user code the README shows, word for word: a function that creates a container, initialises it, runs
// the action and reads its logs, tested on the in-memory ContainerFactory.layerTest. The last case (not in the
// README) runs the same function on a real engine, through DockerContainer.layer.
import { ByteSize, ContainerFactory, LogLine } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import { ensureRuntimeImage } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { liveLayer } from "./support/liveLayer.js"

// The code under test: greets through an action, and gives the greeting with the action's log lines.
const greet = (name: string) =>
  Effect.scoped(Effect.gen(function*() {
    const container = yield* ContainerFactory.createScoped({ image: "effect-whisk/runtime-nodejs:0.1.0", userProvided: false })
    const options = { timeout: Duration.seconds(10), maxConcurrent: 1 }
    yield* container.initialize(
      { name: "hello", main: "main", binary: false, code: "function main(p) { console.log(`greeting ${p.name}`); return { hi: p.name } }" },
      options
    )
    const { response } = yield* container.run({ name }, {}, options)
    const lines = yield* container.logLines({ limit: ByteSize.megabytes(10), waitForSentinel: true })
    return { result: response.result, logs: lines.map(LogLine.formatRaw) }
  }))

describe("greet", () => {
  it.effect("gives the action's greeting and its log lines, and removes the container", () =>
    Effect.gen(function*() {
      const { logs, result } = yield* greet("you")
      assert.deepStrictEqual(result, { hi: "you" })
      assert.deepStrictEqual(logs, ["1970-01-01T00:00:00.000Z       stdout: greeting you"])
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.deepStrictEqual((yield* calls.all).map((call) => call.method), ["create", "initialize", "run", "logLines", "destroy"])
    }).pipe(
      Effect.provide(ContainerFactory.layerTest({
        // The action as the test scripts it: its answer to /run and the lines it writes.
        run: ({ body }) => {
          const { name } = (body as { readonly value: { readonly name: string } }).value
          return Effect.succeed(ContainerFactory.answer(200, { hi: name }, [{ stream: "stdout", text: `greeting ${name}` }]))
        }
      }))
    ))
})

describe("greet on a real engine", () => {
  it.live("gives the same greeting and log line from the runtime image", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => ensureRuntimeImage())
      const { logs, result } = yield* greet("you")
      assert.deepStrictEqual(result, { hi: "you" })
      assert.strictEqual(logs.length, 1)
      assert.match(logs[0]!, /^\S+Z +stdout: greeting you$/)
    }).pipe(
      Effect.provide(DockerContainer.layer.pipe(
        Layer.provide(liveLayer(ContainerHttpClient.layer, { container: { namePrefix: "ewit-example" } }))
      ))
    ), 600_000)
})

describe("the README", () => {
  it("shows this test word for word", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
    const source = readFileSync(new URL(import.meta.url), "utf8")
    const shown = source.slice(source.indexOf("// The code under test"), source.indexOf(`describe("greet on a real engine"`))
    assert.include(readme, shown.trim())
  })
})
