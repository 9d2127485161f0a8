// Properties of the pool over random arrivals of activations of random actions and memory sizes: the containers
// alive never hold more memory than the budget (no overcommit, better than PF1), every activation completes exactly
// once, and no container serves two actions.
import { type Container, ContainerFactory } from "@effect-whisk/core"
import { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck, Fiber, Layer, TestClock } from "effect"
import { action, calls, mb } from "./support/testPool.js"

const budget = mb(1024).bytes

const Arrival = FastCheck.record({
  action: FastCheck.integer({ min: 0, max: 5 }),
  memory: FastCheck.constantFrom(128, 256, 512),
  delay: FastCheck.integer({ min: 0, max: 40 }),
  duration: FastCheck.integer({ min: 0, max: 300 }),
  developerError: FastCheck.boolean()
})

/** The factory's containers alive now, and the most memory they held at once. */
interface Books {
  alive: number
  peak: number
}

/** layerTest, with the memory of the containers alive counted at every create and destroy. */
const countingFactory = (books: Books) =>
  Layer.effect(
    ContainerFactory.ContainerFactory,
    Effect.map(ContainerFactory.ContainerFactory, (factory) =>
      ContainerFactory.make((request) =>
        Effect.map(factory.create(request), (container): Container.Container => {
          const memory = request.memory!.bytes
          books.alive += memory
          books.peak = Math.max(books.peak, books.alive)
          return {
            ...container,
            destroy: Effect.zipRight(container.destroy, Effect.sync(() => (books.alive -= memory)))
          }
        })))
  ).pipe(Layer.provideMerge(ContainerFactory.layerTest({
    run: (call) =>
      Effect.gen(function*() {
        const body = call.body as { value: { duration: number; developerError: boolean } }
        yield* Effect.sleep(body.value.duration)
        return ContainerFactory.answer(body.value.developerError ? 502 : 200, body.value.developerError ? { error: "dev" } : {})
      })
  })))

describe("ContainerPool properties", () => {
  it.effect.prop(
    "random arrivals: memory within the budget, each activation once, one action per container",
    { arrivals: FastCheck.array(Arrival, { minLength: 1, maxLength: 40 }) },
    ({ arrivals }) => {
      const books: Books = { alive: 0, peak: 0 }
      return Effect.gen(function*() {
        const fibers = []
        for (const arrival of arrivals) {
          yield* TestClock.adjust(arrival.delay)
          const snapshot = yield* ContainerPool.snapshot
          assert.isAtMost(snapshot.memoryInUse.bytes, budget)
          const target = action(`a${arrival.action}-${arrival.memory}`, { memory: mb(arrival.memory) })
          fibers.push(yield* Effect.fork(ContainerPool.invoke(target, arrival)))
        }
        for (let step = 0; step < 200 && fibers.some((fiber) => fiber.unsafePoll() === null); step++) {
          yield* TestClock.adjust(50)
          assert.isAtMost((yield* ContainerPool.snapshot).memoryInUse.bytes, budget)
        }
        const records = yield* Fiber.joinAll(fibers)
        assert.isAtMost(books.peak, budget)
        assert.strictEqual(records.length, arrivals.length)
        records.forEach((record, index) => {
          assert.strictEqual(record.response.isContainerError, arrivals[index]!.developerError)
        })
        // Exactly once: one /run per activation id.
        const runs = yield* calls("run")
        const ids = runs.map(([, , activation]) => (activation as Record<string, string>)["activation_id"])
        assert.strictEqual(new Set(ids).size, arrivals.length)
        assert.strictEqual(ids.length, arrivals.length)
        assert.deepStrictEqual(new Set(records.map((record) => record.activationId)), new Set(ids))
        // One action per container.
        const served = new Map<string, Set<string>>()
        for (const [id, , activation] of runs) {
          const names = served.get(String(id)) ?? new Set()
          names.add((activation as Record<string, string>)["action_name"]!)
          served.set(String(id), names)
        }
        for (const names of served.values()) assert.strictEqual(names.size, 1)
      }).pipe(Effect.provide(ContainerPool.layer({ userMemory: mb(1024) }).pipe(Layer.provideMerge(countingFactory(books)))))
    },
    { fastCheck: { numRuns: 30 } }
  )
})
