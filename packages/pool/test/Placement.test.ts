// Where the pool places an activation (P2–P9, PT1–PT48 as they apply): warm reuse by action identity, cold creates,
// eviction by demand, then oldest first, without overcommit, the buffer's order, its bound, and a waiter's interruption.
import { ContainerFactory } from "@effect-whisk/core"
import { ContainerPool, PoolError } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, TestClock } from "effect"
import { action, calls, count, destroyed, mb, runsByContainer, settle, sleepingRun, testLayer } from "./support/testPool.js"

const invoke = ContainerPool.invoke

describe("ContainerPool placement", () => {
  it.effect("PT1, PX5: a warm container is reused; only the first activation creates and initialises it", () =>
    Effect.gen(function*() {
      const hello = action("hello")
      const first = yield* invoke(hello, { n: 1 })
      const second = yield* invoke(hello, { n: 2 })
      assert.strictEqual(first.start, "Cold")
      assert.strictEqual(second.start, "Warm")
      assert.strictEqual(second.containerId, first.containerId)
      assert.deepStrictEqual(second.response.result, { action: "/guest/hello" })
      assert.isDefined(first.timings.create)
      assert.isDefined(first.timings.init)
      assert.isUndefined(second.timings.init)
      assert.isUndefined(second.timings.create)
      assert.strictEqual(yield* count("create"), 1)
      assert.strictEqual(yield* count("initialize"), 1)
      assert.strictEqual(yield* count("run"), 2)
      assert.strictEqual(second.logs.length, 1)
      assert.match(second.logs[0]!, /stdout: ran \/guest\/hello$/)
    }).pipe(Effect.provide(testLayer({}, { run: sleepingRun }))))

  it.effect("the activation's fields reach /run and the __OW_ variables /init (PX1)", () =>
    Effect.gen(function*() {
      const record = yield* invoke(action("ctx", { namespace: "team", environment: { A: "1" } }), { x: 1 }, {
        activationId: "a1"
      })
      const [[, initializer]] = (yield* calls("initialize")) as unknown as [[string, { env: Record<string, string> }]]
      assert.strictEqual(initializer.env["A"], "1")
      assert.strictEqual(initializer.env["__OW_ACTION_NAME"], "/team/ctx")
      assert.strictEqual(initializer.env["__OW_ACTIVATION_ID"], "a1")
      const [[, parameters, fields]] = (yield* calls("run")) as unknown as [[string, unknown, Record<string, string>]]
      assert.deepStrictEqual(parameters, { x: 1 })
      assert.strictEqual(fields["activation_id"], "a1")
      assert.strictEqual(fields["action_name"], "/team/ctx")
      assert.strictEqual(record.action, "/team/ctx")
      // PX1: the action's environment goes to /init only, the invocation's parameters to /run only.
      assert.isUndefined(initializer.env["x"])
      assert.isUndefined((parameters as Record<string, unknown>)["A"])
      assert.isUndefined(fields["A"])
    }).pipe(Effect.provide(testLayer())))

  it.effect("PX36: no API key reaches /init or /run (effect-whisk has none to give)", () =>
    Effect.gen(function*() {
      yield* invoke(action("keyless"), {})
      yield* invoke(action("keyless"), {})
      const [[, initializer]] = (yield* calls("initialize")) as unknown as [[string, { env: Record<string, string> }]]
      assert.isUndefined(initializer.env["__OW_API_KEY"])
      for (const [, , fields] of (yield* calls("run")) as unknown as Array<[string, unknown, Record<string, string>]>) {
        assert.isUndefined(fields["api_key"])
        assert.isUndefined(fields["__OW_API_KEY"])
      }
    }).pipe(Effect.provide(testLayer())))

  it.effect("PT33–PT35, PT7: another version, name or invocation namespace gets its own container", () =>
    Effect.gen(function*() {
      const base = action("a")
      const first = yield* invoke(base, {})
      const others = [
        yield* invoke(action("a", { version: "0.0.2" }), {}),
        yield* invoke(action("b"), {}),
        yield* invoke(base, {}, { invocationNamespace: "other" }),
        yield* invoke(action("a", { memory: mb(128) }), {})
      ]
      for (const other of others) {
        assert.strictEqual(other.start, "Cold")
        assert.notStrictEqual(other.containerId, first.containerId)
      }
      // PT29: an equal copy of the action (another object) matches.
      const copy = yield* invoke({ ...base }, {})
      assert.strictEqual(copy.start, "Warm")
      assert.strictEqual(copy.containerId, first.containerId)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(2048) }))))

  it.effect("PT3: while the first activation runs, a second of the same action gets a new container", () =>
    Effect.gen(function*() {
      const slow = action("slow")
      const first = yield* Effect.fork(invoke(slow, { sleep: 100 }))
      yield* settle
      const second = yield* Effect.fork(invoke(slow, { sleep: 100 }))
      yield* settle
      yield* TestClock.adjust(100)
      const records = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.deepStrictEqual(records.map((r) => r.start), ["Cold", "Cold"])
      assert.notStrictEqual(records[0]!.containerId, records[1]!.containerId)
    }).pipe(Effect.provide(testLayer({}, { run: sleepingRun }))))

  it.effect("PT4, PT6, PT46: a full pool evicts the idle container used longest ago", () =>
    Effect.gen(function*() {
      const a = yield* invoke(action("a"), {})
      yield* TestClock.adjust(1)
      const b = yield* invoke(action("b"), {})
      yield* TestClock.adjust(1)
      const c = yield* invoke(action("c"), {})
      assert.strictEqual(c.start, "Cold")
      assert.deepStrictEqual(yield* destroyed, [a.containerId])
      const snapshot = yield* ContainerPool.snapshot
      assert.deepStrictEqual(snapshot.containers.map((info) => info.action).sort(), ["/guest/b", "/guest/c"])
      assert.strictEqual(snapshot.memoryInUse.bytes, mb(512).bytes)
      // b was used more recently than a, and now c more recently than b: d evicts b.
      yield* TestClock.adjust(1)
      yield* invoke(action("d"), {})
      assert.deepStrictEqual(yield* destroyed, [a.containerId, b.containerId])
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }))))

  it.effect("PT5, PT47: a large action evicts two idle containers, oldest first", () =>
    Effect.gen(function*() {
      const a = yield* invoke(action("a"), {})
      yield* TestClock.adjust(1)
      const b = yield* invoke(action("b"), {})
      const large = yield* invoke(action("large", { memory: mb(512) }), {})
      assert.strictEqual(large.start, "Cold")
      assert.deepStrictEqual(yield* destroyed, [a.containerId, b.containerId])
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, mb(512).bytes)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }))))

  it.effect("better than PF1: only the shortfall is evicted, so an idle container that need not go stays", () =>
    Effect.gen(function*() {
      // 1024 MB: a (256, idle) and b (256, idle); 512 free. A 768 MB action needs 256 more: only a goes.
      const a = yield* invoke(action("a"), {})
      yield* TestClock.adjust(1)
      const b = yield* invoke(action("b"), {})
      yield* invoke(action("large", { memory: mb(768) }), {})
      assert.deepStrictEqual(yield* destroyed, [a.containerId])
      const snapshot = yield* ContainerPool.snapshot
      assert.strictEqual(snapshot.memoryInUse.bytes, mb(1024).bytes)
      assert.isTrue(snapshot.containers.some((info) => info.containerId === b.containerId))
    }).pipe(Effect.provide(testLayer({ userMemory: mb(1024) }))))

  it.effect("PT48, PT9: busy containers are never evicted; the activation waits, then runs when one ends", () =>
    Effect.gen(function*() {
      const busy = yield* Effect.fork(invoke(action("busy"), { sleep: 100 }))
      yield* settle
      const waiting = yield* Effect.fork(invoke(action("waiting"), {}))
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      assert.strictEqual(yield* count("create"), 1)
      yield* TestClock.adjust(100)
      const ran = yield* Fiber.join(waiting)
      assert.strictEqual(ran.start, "Cold")
      assert.isAtLeast(ran.timings.wait, 100)
      assert.strictEqual((yield* Fiber.join(busy)).response.isSuccess, true)
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 0)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(256) }, { run: sleepingRun }))))

  it.effect("PT17, PT18: strict arrival order: a small activation that would fit waits behind the large head", () =>
    Effect.gen(function*() {
      const a = yield* Effect.fork(invoke(action("a"), { sleep: 100 }))
      const b = yield* Effect.fork(invoke(action("b"), { sleep: 200 }))
      yield* settle
      const large = yield* Effect.fork(invoke(action("large", { memory: mb(512) }), { sleep: 100 }))
      yield* settle
      const small = yield* Effect.fork(invoke(action("small"), {}))
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 2)
      // a ends: 256 MB could hold small, but the large head comes first.
      yield* TestClock.adjust(100)
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 2)
      yield* TestClock.adjust(100)
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      yield* TestClock.adjust(100)
      const records = yield* Fiber.joinAll([a, b, large, small])
      assert.isTrue(records.every((record) => record.response.isSuccess))
      const created = (yield* calls("create")).map(([request]) => (request as { memory: { bytes: number } }).memory.bytes)
      assert.deepStrictEqual(created, [mb(256).bytes, mb(256).bytes, mb(512).bytes, mb(256).bytes])
      const runs = yield* runsByContainer
      assert.deepStrictEqual(runs.get("test-container-4"), ["/guest/small"])
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("fairness: a hot action with many waiters does not make another action wait behind all of them", () =>
    Effect.gen(function*() {
      const hot = action("hot")
      const fibers = []
      for (let i = 0; i < 4; i++) fibers.push(yield* Effect.fork(invoke(hot, { sleep: 100 })))
      yield* settle
      const other = yield* Effect.fork(invoke(action("other"), { sleep: 100 }))
      yield* settle
      // One hot runs, three wait, then other arrives: it is served right after the running one.
      yield* TestClock.adjust(100)
      yield* settle
      yield* TestClock.adjust(100)
      const otherRecord = yield* Fiber.join(other)
      assert.isAtMost(otherRecord.timings.wait, 200)
      yield* TestClock.adjust(1000)
      const hotRecords = yield* Fiber.joinAll(fibers)
      assert.isTrue(hotRecords.some((record) => record.timings.wait > 200))
    }).pipe(Effect.provide(testLayer({ userMemory: mb(256) }, { run: sleepingRun }))))

  it.effect("a full buffer fails the next activation with BufferFull; too large an action fails with TooLarge", () =>
    Effect.gen(function*() {
      const running = yield* Effect.fork(invoke(action("a"), { sleep: 100 }))
      yield* settle
      const waiting = yield* Effect.fork(invoke(action("b"), {}))
      yield* settle
      const refused = yield* Effect.flip(invoke(action("c"), {}))
      assert.instanceOf(refused, PoolError.PoolError)
      assert.strictEqual(refused.reason, "BufferFull")
      const tooLarge = yield* Effect.flip(invoke(action("huge", { memory: mb(512) }), {}))
      assert.strictEqual(tooLarge.reason, "TooLarge")
      assert.match(tooLarge.message, /can never be placed/)
      yield* TestClock.adjust(100)
      assert.isTrue((yield* Fiber.join(running)).response.isSuccess)
      assert.isTrue((yield* Fiber.join(waiting)).response.isSuccess)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(256), bufferCapacity: 1 }, { run: sleepingRun }))))

  it.effect("a waiting caller interrupted leaves no trace: not in the buffer, no container, no memory", () =>
    Effect.gen(function*() {
      const running = yield* Effect.fork(invoke(action("a"), { sleep: 100 }))
      yield* settle
      const waiting = yield* Effect.fork(invoke(action("b"), {}))
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      const exit = yield* Fiber.interrupt(waiting)
      assert.isTrue(Exit.isInterrupted(exit))
      const snapshot = yield* ContainerPool.snapshot
      assert.strictEqual(snapshot.buffered, 0)
      assert.strictEqual(snapshot.containers.length, 1)
      yield* TestClock.adjust(100)
      yield* Fiber.join(running)
      assert.strictEqual(yield* count("create"), 1)
      assert.strictEqual((yield* invoke(action("a"), {})).start, "Warm")
    }).pipe(Effect.provide(testLayer({ userMemory: mb(256) }, { run: sleepingRun }))))

  it.effect("a caller interrupted while its activation runs: the container goes, its memory is free", () =>
    Effect.gen(function*() {
      const running = yield* Effect.fork(invoke(action("a"), { sleep: 100 }))
      yield* settle
      yield* Fiber.interrupt(running)
      assert.strictEqual(yield* count("destroy"), 1)
      const snapshot = yield* ContainerPool.snapshot
      assert.strictEqual(snapshot.containers.length, 0)
      assert.strictEqual(snapshot.memoryInUse.bytes, 0)
    }).pipe(Effect.provide(testLayer({}, { run: sleepingRun }))))

  it.effect("PT22, PT24: with maxConcurrent 3 one container takes three activations, the fourth gets another", () =>
    Effect.gen(function*() {
      const concurrent = action("conc", { maxConcurrent: 3 })
      const fibers = []
      for (let i = 0; i < 4; i++) fibers.push(yield* Effect.fork(invoke(concurrent, { sleep: 100 })))
      yield* settle
      yield* TestClock.adjust(100)
      const records = yield* Fiber.joinAll(fibers)
      const containers = records.map((record) => record.containerId)
      assert.strictEqual(new Set(containers.slice(0, 3)).size, 1)
      assert.notStrictEqual(containers[3], containers[0])
      assert.strictEqual(yield* count("initialize"), 2)
      // PT24: the slots are free again.
      assert.strictEqual((yield* invoke(concurrent, {})).containerId, containers[0])
    }).pipe(Effect.provide(testLayer({}, { run: sleepingRun }))))

  it.effect("better than P6: with the memory full, a second activation waits for its own busy container instead of evicting", () =>
    Effect.gen(function*() {
      const idle = yield* invoke(action("idle"), {})
      const first = yield* Effect.fork(invoke(action("a"), { sleep: 100 }))
      yield* settle
      const second = yield* Effect.fork(invoke(action("a"), {}))
      yield* settle
      yield* TestClock.adjust(100)
      const [one, two] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.strictEqual(two.start, "Warm")
      assert.strictEqual(two.containerId, one.containerId)
      assert.strictEqual(yield* count("destroy"), 0)
      assert.isTrue((yield* ContainerPool.snapshot).containers.some((info) => info.containerId === idle.containerId))
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("...but only for warmWait: then the idle container of another action is evicted and a new one started", () =>
    Effect.gen(function*() {
      const idle = yield* invoke(action("idle"), {})
      const first = yield* Effect.fork(invoke(action("a"), { sleep: 5000 }))
      yield* settle
      const second = yield* Effect.fork(invoke(action("a"), {}))
      yield* settle
      yield* TestClock.adjust(400)
      yield* settle
      assert.strictEqual(yield* count("destroy"), 0)
      yield* TestClock.adjust(100)
      const two = yield* Fiber.join(second)
      assert.strictEqual(two.start, "Cold")
      assert.deepStrictEqual(yield* destroyed, [idle.containerId])
      yield* TestClock.adjust(5000)
      yield* Fiber.join(first)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("better than PF3: behind a waiting head, an activation with a free warm container goes first, until the head has waited bypassWindow", () =>
    Effect.gen(function*() {
      yield* invoke(action("small"), {})
      const busy = yield* Effect.fork(invoke(action("busy"), { sleep: 5000 }))
      yield* settle
      const large = yield* Effect.fork(invoke(action("large", { memory: mb(512) }), {}))
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      const early = yield* invoke(action("small"), {})
      assert.strictEqual(early.start, "Warm")
      assert.strictEqual(early.timings.wait, 0)
      // The head has now waited 1 s: the small one queues behind it.
      yield* TestClock.adjust(1000)
      const late = yield* Effect.fork(invoke(action("small"), {}))
      yield* settle
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 2)
      yield* TestClock.adjust(4000)
      assert.strictEqual((yield* Fiber.join(large)).start, "Cold")
      assert.strictEqual((yield* Fiber.join(late)).start, "Cold")
      yield* Fiber.join(busy)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("behind a head that waits for its own busy container, bypasses go on after bypassWindow", () =>
    Effect.gen(function*() {
      yield* invoke(action("small"), {})
      const busy = yield* Effect.fork(invoke(action("busy"), { sleep: 5000 }))
      yield* settle
      const second = yield* Effect.fork(invoke(action("busy"), {}))
      yield* settle
      yield* TestClock.adjust(1500)
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      // The head has waited 1.5 s, but for its own container, which it gets first when that frees.
      const late = yield* invoke(action("small"), {})
      assert.strictEqual(late.start, "Warm")
      assert.strictEqual(late.timings.wait, 0)
      yield* TestClock.adjust(5000)
      const [first, next] = [yield* Fiber.join(busy), yield* Fiber.join(second)]
      assert.strictEqual(next.start, "Warm")
      assert.strictEqual(next.containerId, first.containerId)
      assert.strictEqual(yield* count("destroy"), 0)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512), warmWait: "10 seconds" }, { run: sleepingRun }))))

  it.effect("eviction by demand: an action asked for often keeps its idle container over one used more recently", () =>
    Effect.gen(function*() {
      const often = action("often")
      const first = yield* invoke(often, {})
      yield* TestClock.adjust(1)
      yield* invoke(often, {})
      yield* TestClock.adjust(1)
      const once = yield* invoke(action("once"), {})
      yield* TestClock.adjust(1)
      // LRU would evict often's container (used longest ago); its action was asked for twice, once's once.
      yield* invoke(action("new"), {})
      assert.deepStrictEqual(yield* destroyed, [once.containerId])
      assert.strictEqual((yield* invoke(often, {})).containerId, first.containerId)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }))))

  it.effect("under pressure, an action without a container waits for the least demanded busy one instead of evicting a popular idle one", () =>
    Effect.gen(function*() {
      const popular = action("popular")
      const first = yield* invoke(popular, {})
      for (let n = 0; n < 3; n++) yield* invoke(popular, {})
      const rare = yield* Effect.fork(invoke(action("rare"), { sleep: 100 }))
      yield* settle
      // The memory is full: popular's container is idle, rare's busy. Another rare action arrives.
      const other = yield* Effect.fork(invoke(action("other"), {}))
      yield* settle
      assert.strictEqual(yield* count("destroy"), 0)
      assert.strictEqual((yield* ContainerPool.snapshot).buffered, 1)
      yield* TestClock.adjust(100)
      const [rareRecord, otherRecord] = [yield* Fiber.join(rare), yield* Fiber.join(other)]
      assert.isTrue(rareRecord.response.isSuccess)
      assert.strictEqual(otherRecord.start, "Cold")
      assert.isAtLeast(otherRecord.timings.wait, 100)
      // rare's container went when its activation ended; popular's stayed warm.
      assert.deepStrictEqual(yield* destroyed, [rareRecord.containerId])
      const again = yield* invoke(popular, {})
      assert.strictEqual(again.start, "Warm")
      assert.strictEqual(again.containerId, first.containerId)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("a waiting activation that leaves takes its mark back: the busy container it waited for stays", () =>
    Effect.gen(function*() {
      const popular = action("popular")
      for (let n = 0; n < 4; n++) yield* invoke(popular, {})
      const rare = yield* Effect.fork(invoke(action("rare"), { sleep: 100 }))
      yield* settle
      const other = yield* Effect.fork(invoke(action("other"), {}))
      yield* settle
      yield* Fiber.interrupt(other)
      yield* TestClock.adjust(100)
      const rareRecord = yield* Fiber.join(rare)
      assert.strictEqual(yield* count("destroy"), 0)
      const again = yield* invoke(action("rare"), {})
      assert.strictEqual(again.start, "Warm")
      assert.strictEqual(again.containerId, rareRecord.containerId)
    }).pipe(Effect.provide(testLayer({ userMemory: mb(512) }, { run: sleepingRun }))))

  it.effect("activations behind a head that waits for a marked container plan their own cold starts at once", () =>
    Effect.gen(function*() {
      // Four containers: a popular one, idle, and three rare busy ones. Two more rare actions arrive.
      const popular = action("popular")
      for (let n = 0; n < 6; n++) yield* invoke(popular, {})
      const busy = []
      for (const name of ["r1", "r2", "r3"]) {
        busy.push(yield* Effect.fork(invoke(action(name), { sleep: 100 })))
        yield* TestClock.adjust(1)
      }
      yield* settle
      const waiting = []
      for (const name of ["w1", "w2"]) {
        waiting.push(yield* Effect.fork(invoke(action(name), {})))
        yield* settle
      }
      yield* TestClock.adjust(100)
      const records = yield* Fiber.joinAll(waiting)
      yield* Fiber.joinAll(busy)
      // Both were placed when the busy ones ended, neither waited for the other's cold start; popular stayed.
      for (const record of records) {
        assert.strictEqual(record.start, "Cold")
        assert.isAtMost(record.timings.wait, 100)
      }
      assert.strictEqual(yield* count("destroy"), 2)
      assert.strictEqual((yield* invoke(popular, {})).start, "Warm")
    }).pipe(Effect.provide(testLayer({ userMemory: mb(1024) }, { run: sleepingRun }))))

  it.effect("an activation interrupted while it waits for another's init leaves the container to it", () =>
    Effect.gen(function*() {
      const concurrent = action("conc", { maxConcurrent: 2 })
      const first = yield* Effect.fork(invoke(concurrent, {}))
      yield* settle
      const joined = yield* Effect.fork(invoke(concurrent, {}))
      yield* settle
      yield* Fiber.interrupt(joined)
      yield* TestClock.adjust(100)
      const record = yield* Fiber.join(first)
      assert.isTrue(record.response.isSuccess)
      assert.strictEqual(yield* count("destroy"), 0)
      const [info] = (yield* ContainerPool.snapshot).containers
      assert.strictEqual(info!.active, 0)
      assert.strictEqual(info!.state, "Warm")
    }).pipe(Effect.provide(testLayer({}, {
      init: () => Effect.as(Effect.sleep(100), ContainerFactory.answer(200, { OK: true }))
    }))))
})
