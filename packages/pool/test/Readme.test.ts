// The README's example of a test of user code on the test layers, kept here so that it compiles and passes.
import { ContainerFactory } from "@effect-whisk/core"
import { type Action, ContainerPool } from "@effect-whisk/pool"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"

// Your code: greets everyone, one activation after the other.
const greetAll = (names: ReadonlyArray<string>) => Effect.forEach(names, (name) => ContainerPool.invoke(greeter, { name }))

const greeter: Action.Action = { name: "greeter", image: "runtime:test", code: "…" }

const TestPool = ContainerPool.layer().pipe(
  Layer.provideMerge(ContainerFactory.layerTest({
    run: (call) => {
      const { value } = call.body as { value: { name: string } }
      return Effect.succeed(ContainerFactory.answer(200, { greeting: `hello ${value.name}` }, [
        { stream: "stdout", text: `greeting ${value.name}` }
      ]))
    }
  }))
)

it.effect("greetAll runs every name in one warm container, which pauses when idle", () =>
  Effect.gen(function*() {
    const records = yield* greetAll(["ada", "bob", "cy"])
    assert.deepStrictEqual(records.map((record) => record.response.result), [
      { greeting: "hello ada" },
      { greeting: "hello bob" },
      { greeting: "hello cy" }
    ])
    assert.deepStrictEqual(records.map((record) => record.start), ["Cold", "Warm", "Warm"])
    assert.match(records[1]!.logs[0]!, /stdout: greeting bob$/)
    const calls = yield* ContainerFactory.ContainerFactoryCalls
    assert.strictEqual(yield* calls.count("create"), 1)
    yield* TestClock.adjust("10 seconds")
    assert.strictEqual(yield* calls.count("suspend"), 1)
  }).pipe(Effect.provide(TestPool)))
