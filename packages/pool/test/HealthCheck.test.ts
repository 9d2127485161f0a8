// The health check of started prewarms (PX10, PX32, PX38–PX40) on the test factory and the TestClock: probes every
// period while a stem cell waits, none when the check is off, none once the stem cell is taken nor for warm
// containers; a success resets the failures; maxFails failures in a row remove the prewarm and start a replacement;
// closing the pool ends the probing.
import { ContainerFactory, Errors } from "@effect-whisk/core"
import { ContainerPool, PoolMetrics } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Metric, Ref, Scope, Supervisor, TestClock } from "effect"
import { action, calls, count, image, mb, settle, testLayer } from "./support/testPool.js"

const invoke = ContainerPool.invoke

const stemCell = { image, memory: mb(256), initialCount: 1 }

const healthCheck = { enabled: true }

/** The probes each container received so far. */
const probesOf = (containerId: string) =>
  Effect.map(calls("probe"), (args) => args.filter(([id]) => id === containerId).length)

const prewarmIds = Effect.map(ContainerPool.snapshot, (snapshot) =>
  snapshot.containers.filter((info) => info.state === "Prewarmed").map((info) => info.containerId))

const removedForHealth = Effect.map(
  Metric.value(PoolMetrics.removals.pipe(Metric.tagged("reason", "HealthCheck"))),
  (state) => state.count
)

/** Moves the TestClock on and lets the fibers it woke reach their next wait. */
const after = (duration: Duration.DurationInput) => Effect.zipRight(TestClock.adjust(duration), settle)

const refused = (containerId: string) =>
  new Errors.ProbeError({ target: `${containerId}:8080`, reason: "Refused" })

/** Probes of test-container-1 fail; the others succeed. */
const firstUnhealthy: ContainerFactory.TestOptions = {
  probe: ({ containerId }) => containerId === "test-container-1" ? Effect.fail(refused(containerId)) : Effect.void
}

describe("ContainerPool health check", () => {
  it.effect("PX38: off by default, no prewarm is ever probed", () =>
    Effect.gen(function*() {
      yield* settle
      yield* after("1 minute")
      assert.strictEqual(yield* count("probe"), 0)
      assert.deepStrictEqual(yield* prewarmIds, ["test-container-1"])
    }).pipe(Effect.provide(testLayer({ stemCells: [stemCell] }, firstUnhealthy))))

  it.effect("PX38: on, each started prewarm is probed every period (3 s by default), with the period as its timeout", () =>
    Effect.gen(function*() {
      yield* settle
      assert.strictEqual(yield* count("probe"), 0)
      yield* after("2999 millis")
      assert.strictEqual(yield* count("probe"), 0)
      yield* after("1 millis")
      assert.strictEqual(yield* probesOf("test-container-1"), 1)
      assert.strictEqual(yield* probesOf("test-container-2"), 1)
      yield* after("6 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 3)
      assert.strictEqual(yield* probesOf("test-container-2"), 3)
      const [, options] = (yield* calls("probe"))[0]!
      assert.isTrue(Duration.equals((options as { readonly timeout: Duration.Duration }).timeout, Duration.seconds(3)))
    }).pipe(Effect.provide(testLayer({ healthCheck, stemCells: [{ ...stemCell, initialCount: 2 }] }))))

  it.effect("PX10: probes stop when the prewarm is taken; its replacement is probed; a warm container never is", () =>
    Effect.gen(function*() {
      yield* settle
      yield* after("1 second")
      assert.strictEqual(yield* probesOf("test-container-1"), 1)
      const record = yield* invoke(action("hello"), {})
      assert.strictEqual(record.start, "Prewarmed")
      assert.strictEqual(record.containerId, "test-container-1")
      yield* settle
      assert.deepStrictEqual(yield* prewarmIds, ["test-container-2"])
      const cold = yield* invoke(action("other", { image: "other:1" }), {})
      assert.strictEqual(cold.containerId, "test-container-3")
      yield* after("10 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 1)
      assert.strictEqual(yield* probesOf("test-container-2"), 10)
      assert.strictEqual(yield* probesOf("test-container-3"), 0)
      // Warm again, then paused after the grace: still never probed.
      assert.strictEqual((yield* invoke(action("hello"), {})).start, "Warm")
      yield* after("30 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 1)
      assert.strictEqual(yield* probesOf("test-container-3"), 0)
    }).pipe(Effect.provide(testLayer({ healthCheck: { enabled: true, period: "1 second" }, stemCells: [stemCell] }))))

  it.effect("PX39, PX32: maxFails failed probes in a row remove the prewarm, unused; a replacement starts", () =>
    Effect.gen(function*() {
      yield* settle
      const removedBefore = yield* removedForHealth
      yield* after("6 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 2)
      assert.strictEqual(yield* count("destroy"), 0)
      yield* after("3 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 3)
      assert.deepStrictEqual((yield* calls("destroy")).map(([id]) => id), ["test-container-1"])
      assert.strictEqual((yield* removedForHealth) - removedBefore, 1)
      // No init, no run on it; the replacement is a stem cell of the same image and memory, probed in turn.
      assert.strictEqual(yield* count("initialize"), 0)
      assert.strictEqual(yield* count("run"), 0)
      assert.strictEqual(yield* count("create"), 2)
      assert.deepStrictEqual(yield* prewarmIds, ["test-container-2"])
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, mb(256).bytes)
      yield* after("30 seconds")
      assert.strictEqual(yield* probesOf("test-container-1"), 3)
      assert.strictEqual(yield* probesOf("test-container-2"), 10)
      assert.strictEqual(yield* count("destroy"), 1)
      // The replacement serves an activation.
      const record = yield* invoke(action("hello"), {})
      assert.strictEqual(record.start, "Prewarmed")
      assert.strictEqual(record.containerId, "test-container-2")
    }).pipe(Effect.provide(testLayer({ healthCheck, stemCells: [stemCell] }, firstUnhealthy))))

  it.effect("PX40: a successful probe resets the failures: only maxFails failures in a row remove the prewarm", () =>
    Effect.gen(function*() {
      yield* settle
      yield* after("15 seconds")
      // fail, fail, succeed, fail, fail: still there.
      assert.strictEqual(yield* probesOf("test-container-1"), 5)
      assert.strictEqual(yield* count("destroy"), 0)
      assert.deepStrictEqual(yield* prewarmIds, ["test-container-1"])
      yield* after("3 seconds")
      assert.deepStrictEqual((yield* calls("destroy")).map(([id]) => id), ["test-container-1"])
    }).pipe(
      Effect.provide(Layer.unwrapEffect(Effect.map(Ref.make(0), (probes) =>
        testLayer({ healthCheck, stemCells: [stemCell] }, {
          probe: ({ containerId }) =>
            Effect.flatMap(Ref.getAndUpdate(probes, (n) => n + 1), (n) =>
              containerId === "test-container-1" && n !== 2 ? Effect.fail(refused(containerId)) : Effect.void)
        }))))
    ))

  it.effect("PX39, PX40: snapshot shows each probed prewarm's failed probes in a row, reset by a success", () =>
    Effect.gen(function*() {
      const failuresOf = Effect.map(ContainerPool.snapshot, (snapshot) =>
        snapshot.containers.map((info) => `${info.containerId} ${info.state} ${info.probeFailures}`))
      yield* settle
      assert.deepStrictEqual(yield* failuresOf, ["test-container-1 Prewarmed 0", "test-container-2 Prewarmed 0"])
      // Container 1 fails its first two probes and passes the third; container 2 fails every probe.
      yield* after("3 seconds")
      assert.deepStrictEqual(yield* failuresOf, ["test-container-1 Prewarmed 1", "test-container-2 Prewarmed 1"])
      yield* after("3 seconds")
      assert.deepStrictEqual(yield* failuresOf, ["test-container-1 Prewarmed 2", "test-container-2 Prewarmed 2"])
      yield* after("3 seconds")
      // Container 1 passed its third probe; container 2 failed its third and was replaced by container 3.
      assert.deepStrictEqual(yield* failuresOf, ["test-container-1 Prewarmed 0", "test-container-3 Prewarmed 0"])
      // Taken for an activation, it is no longer probed and shows no count.
      assert.strictEqual((yield* invoke(action("hello"), {})).containerId, "test-container-1")
      const taken = (yield* ContainerPool.snapshot).containers.find((info) => info.containerId === "test-container-1")
      assert.strictEqual(taken?.state, "Warm")
      assert.isUndefined(taken?.probeFailures)
    }).pipe(
      Effect.provide(Layer.unwrapEffect(Effect.map(Ref.make(0), (probesOfFirst) =>
        testLayer({ healthCheck, stemCells: [{ ...stemCell, initialCount: 2 }] }, {
          probe: ({ containerId }) =>
            containerId === "test-container-1"
              ? Effect.flatMap(Ref.updateAndGet(probesOfFirst, (n) => n + 1), (n) =>
                n === 3 ? Effect.void : Effect.fail(refused(containerId)))
              : Effect.fail(refused(containerId))
        }))))
    ))

  it.effect("without the health check, snapshot shows no probe count", () =>
    Effect.gen(function*() {
      yield* settle
      yield* after("10 seconds")
      const [info] = (yield* ContainerPool.snapshot).containers
      assert.strictEqual(info?.state, "Prewarmed")
      assert.isUndefined(info?.probeFailures)
    }).pipe(Effect.provide(testLayer({ stemCells: [stemCell] }, firstUnhealthy))))

  it.effect("a probe that gets no connection within the period fails as a Timeout", () =>
    Effect.gen(function*() {
      yield* settle
      // Each probe waits its 3 s timeout, then the next starts 3 s later: the third failure ends at 18 s.
      yield* after("17 seconds")
      assert.strictEqual(yield* count("destroy"), 0)
      yield* after("1 second")
      assert.deepStrictEqual((yield* calls("destroy")).map(([id]) => id), ["test-container-1"])
    }).pipe(Effect.provide(testLayer({ healthCheck, stemCells: [stemCell] }, {
      probe: ({ containerId }) => containerId === "test-container-1" ? Effect.never : Effect.void
    }))))

  it.effect("prewarms that keep failing their probes are replaced at most prewarmRetryLimit times in a row", () =>
    Effect.gen(function*() {
      yield* settle
      yield* after("2 minutes")
      assert.strictEqual(yield* count("create"), 1 + 2)
      assert.strictEqual(yield* count("destroy"), 3)
      assert.deepStrictEqual(yield* prewarmIds, [])
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, 0)
    }).pipe(Effect.provide(testLayer({ healthCheck, prewarmRetryLimit: 2, stemCells: [stemCell] }, {
      probe: ({ containerId }) => Effect.fail(refused(containerId))
    }))))

  it.effect("closing the pool ends its probing: no probe after it, no fiber left", () =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor.track
      const scope = yield* Scope.make()
      yield* ContainerPool.make({ healthCheck, stemCells: [{ ...stemCell, initialCount: 2 }] }).pipe(
        Scope.extend(scope),
        Effect.supervised(supervisor)
      )
      yield* settle
      yield* after("3 seconds")
      assert.strictEqual(yield* count("probe"), 2)
      yield* Scope.close(scope, Exit.void)
      yield* settle
      assert.strictEqual(yield* count("destroy"), 2)
      // Before the clock moves: every fiber the pool forked (probes, creates, removals) has ended with its scope.
      assert.deepStrictEqual((yield* supervisor.value).length, 0)
      yield* after("1 minute")
      assert.strictEqual(yield* count("probe"), 2)
    }).pipe(Effect.provide(ContainerFactory.layerTest())))
})
