// A container's life in the pool (the proxy's rules, PX…): pause grace, idle removal, destruction after failures, the
// one reschedule after an unhealthy first run after a pause (T114–T116), and the pool's Scope.
import { ConnectionFailure, type Container, ContainerFactory, ContainerResponse, Errors, Messages } from "@effect-whisk/core"
import { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Ref, Scope, TestClock } from "effect"
import { action, count, destroyed, mb, settle, sleepingRun, testLayer } from "./support/testPool.js"

const invoke = ContainerPool.invoke
const hello = action("hello")

/** The pool over test containers with some operations replaced. */
const replacing = (replace: (container: Container.Container) => Partial<Container.Container>) =>
  ContainerPool.layer().pipe(Layer.provideMerge(
    Layer.effect(
      ContainerFactory.ContainerFactory,
      Effect.map(ContainerFactory.ContainerFactory, (factory) =>
        ContainerFactory.make((request) =>
          Effect.map(factory.create(request), (container) => ({ ...container, ...replace(container) }))))
    ).pipe(Layer.provideMerge(ContainerFactory.layerTest()))
  ))

/** The pool over test containers whose suspend or resume fails. */
const failingControl = (operation: "suspend" | "resume") =>
  replacing((container) => ({
    [operation]: Effect.fail(
      new Errors.ContainerBackendError({ backend: "test", operation, target: container.id, reason: "Failed" })
    )
  }))

describe("ContainerPool lifecycle", () => {
  it.effect("PX6: suspended after the pause grace (10 s), resumed by the next activation", () =>
    Effect.gen(function*() {
      const first = yield* invoke(hello, {})
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(yield* count("suspend"), 0)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* count("suspend"), 1)
      const [info] = (yield* ContainerPool.snapshot).containers
      assert.isTrue(info!.suspended)
      const second = yield* invoke(hello, {})
      assert.strictEqual(second.start, "Warm")
      assert.strictEqual(second.containerId, first.containerId)
      assert.isDefined(second.timings.resume)
      assert.strictEqual(yield* count("resume"), 1)
      assert.strictEqual(yield* count("initialize"), 1)
      assert.isFalse((yield* ContainerPool.snapshot).containers[0]!.suspended)
    }).pipe(Effect.provide(testLayer())))

  it.effect("an activation within the pause grace neither suspends nor resumes", () =>
    Effect.gen(function*() {
      yield* invoke(hello, {})
      yield* TestClock.adjust("5 seconds")
      const second = yield* invoke(hello, {})
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(yield* count("suspend"), 0)
      assert.isUndefined(second.timings.resume)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* count("suspend"), 1)
    }).pipe(Effect.provide(testLayer())))

  it.effect("a container used every 6 s for a minute is never suspended; 10 s after its last activation it is", () =>
    Effect.gen(function*() {
      for (let n = 0; n < 10; n++) {
        const record = yield* invoke(hello, {})
        assert.isUndefined(record.timings.resume)
        yield* TestClock.adjust("6 seconds")
      }
      assert.strictEqual(yield* count("suspend"), 0)
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(yield* count("suspend"), 0)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* count("suspend"), 1)
      // The idle timeout counts from the suspend: 10 min later it is removed, not before.
      yield* TestClock.adjust("599 seconds")
      assert.strictEqual(yield* count("destroy"), 0)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* count("destroy"), 1)
    }).pipe(Effect.provide(testLayer())))

  it.effect("an activation placed while its container is being suspended waits for the suspend, then resumes it", () =>
    Effect.gen(function*() {
      const first = yield* invoke(hello, {})
      yield* TestClock.adjust("10 seconds")
      // The suspend takes 100 ms; the next activation arrives halfway through it.
      yield* TestClock.adjust(50)
      const second = yield* Effect.fork(invoke(hello, {}))
      yield* settle
      assert.strictEqual(yield* count("run"), 1)
      yield* TestClock.adjust(50)
      const record = yield* Fiber.join(second)
      assert.strictEqual(record.start, "Warm")
      assert.strictEqual(record.containerId, first.containerId)
      assert.isTrue(record.response.isSuccess)
      assert.isDefined(record.timings.resume)
      assert.strictEqual(yield* count("suspend"), 1)
      assert.strictEqual(yield* count("resume"), 1)
    }).pipe(Effect.provide(replacing((container) => ({ suspend: Effect.zipRight(Effect.sleep(100), container.suspend) })))))

  it.effect("idle removal: a suspended container is removed after the idle timeout (10 min)", () =>
    Effect.gen(function*() {
      yield* invoke(hello, {})
      yield* TestClock.adjust("10 seconds")
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual(yield* count("destroy"), 0)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* count("destroy"), 1)
      const snapshot = yield* ContainerPool.snapshot
      assert.strictEqual(snapshot.containers.length, 0)
      assert.strictEqual(snapshot.memoryInUse.bytes, 0)
      assert.strictEqual((yield* invoke(hello, {})).start, "Cold")
    }).pipe(Effect.provide(testLayer())))

  it.effect("PX23, PX26: an application error keeps the container, a developer error destroys it", () =>
    Effect.gen(function*() {
      const script = yield* Ref.make([ContainerFactory.answer(200, { error: "app" }), ContainerFactory.answer(502, { error: "dev" })])
      const run = () =>
        Ref.modify(script, ([next, ...rest]) => [next ?? ContainerFactory.answer(200, {}), rest] as const)
      const program = Effect.gen(function*() {
        const applicationError = yield* invoke(hello, {})
        assert.isTrue(applicationError.response.isApplicationError)
        assert.strictEqual(yield* count("destroy"), 0)
        const developerError = yield* invoke(hello, {})
        assert.strictEqual(developerError.start, "Warm")
        assert.isTrue(developerError.response.isContainerError)
        assert.strictEqual(yield* count("destroy"), 1)
        // B30: the developer error's logs end with the warning that logs may be missing.
        assert.match(developerError.logs.at(-1)!, /stderr: .*\S/)
        assert.strictEqual((yield* invoke(hello, {})).start, "Cold")
      })
      yield* program.pipe(Effect.provide(testLayer({}, { run })))
    }))

  it.effect("PX25: a failed init is a developer error with its logs; no run; the container is destroyed", () =>
    Effect.gen(function*() {
      const record = yield* invoke(hello, {})
      assert.isTrue(record.response.isContainerError)
      assert.deepStrictEqual(record.response.result, { error: "no main" })
      assert.isDefined(record.timings.init)
      assert.isUndefined(record.timings.run)
      assert.match(record.logs[0]!, /stderr: init failed$/)
      assert.strictEqual(yield* count("run"), 0)
      assert.strictEqual(yield* count("destroy"), 1)
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, 0)
    }).pipe(Effect.provide(testLayer({}, {
      init: () =>
        Effect.succeed(ContainerFactory.answer(502, { error: "no main" }, [{ stream: "stderr", text: "init failed" }]))
    }))))

  it.effect("PX24: a failed create is a whisk error without init time; nothing to destroy; memory freed", () =>
    Effect.gen(function*() {
      const record = yield* invoke(hello, {})
      assert.isTrue(record.response.isWhiskError)
      assert.isUndefined(record.containerId)
      assert.isUndefined(record.timings.init)
      assert.strictEqual(yield* count("destroy"), 0)
      assert.strictEqual((yield* ContainerPool.snapshot).memoryInUse.bytes, 0)
    }).pipe(Effect.provide(testLayer({}, {
      create: () => Effect.fail(new Errors.WhiskContainerStartupError({ message: "no engine", image: "x" }))
    }))))

  it.effect("a run over the time limit is a developer error and destroys the container", () =>
    Effect.gen(function*() {
      const record = yield* invoke(action("slow", { timeout: "100 millis" }), {})
      assert.isTrue(record.response.isContainerError)
      assert.strictEqual(yield* count("destroy"), 1)
    }).pipe(Effect.provide(testLayer({}, {
      run: () => Effect.succeed({ ...ContainerFactory.answer(200, {}), millis: 100 })
    }))))

  it.effect("PX27: logs cut short keep the response and the partial lines; the container is destroyed", () =>
    Effect.gen(function*() {
      const record = yield* invoke(hello, {})
      assert.isTrue(record.response.isSuccess)
      assert.match(record.logs[0]!, /stdout: partial$/)
      assert.match(record.logs.at(-1)!, /There was an issue while collecting your logs/)
      assert.strictEqual(yield* count("destroy"), 1)
    }).pipe(Effect.provide(testLayer({}, {
      run: () =>
        Effect.succeed({ ...ContainerFactory.answer(200, {}, [{ stream: "stdout", text: "partial" }]), sentinels: false })
    }))))

  it.effect("PX28, T113: a log read that fails outright keeps the response, only the failure line; the container is destroyed", () =>
    Effect.gen(function*() {
      const record = yield* invoke(hello, {})
      assert.isTrue(record.response.isSuccess)
      assert.deepStrictEqual(record.logs, [Messages.logFailure])
      assert.strictEqual(yield* count("destroy"), 1)
      assert.strictEqual((yield* invoke(hello, {})).start, "Cold")
    }).pipe(Effect.provide(replacing(() => ({
      logLines: () => Effect.fail(new Errors.LogFileError({ path: "/var/lib/docker/x.log", reason: "Unreadable" }))
    })))))

  it.effect("PX8: a log limit of 0 collects no logs", () =>
    Effect.gen(function*() {
      const record = yield* invoke(action("quiet", { logLimit: mb(0) }), {})
      assert.deepStrictEqual(record.logs, [])
      assert.isUndefined(record.timings.logs)
      assert.strictEqual(yield* count("logLines"), 0)
    }).pipe(Effect.provide(testLayer({}, { run: sleepingRun }))))

  it.effect("PX8: with a log limit of 0, the next activation from another caller does not wait for a collection", () =>
    Effect.gen(function*() {
      const quiet = action("quiet", { logLimit: mb(0) })
      const first = yield* Effect.fork(invoke(quiet, {})).pipe(Effect.flatMap(Fiber.join))
      // Another fiber: were the first activation's logs awaited (LogsGate), it would wait for the 10 s grace.
      const second = yield* Effect.fork(invoke(quiet, {}))
      yield* settle
      const done = yield* Fiber.poll(second)
      assert.isTrue(done._tag === "Some" && Exit.isSuccess(done.value), "the second activation ran at once")
      if (done._tag === "Some" && Exit.isSuccess(done.value)) assert.strictEqual(done.value.value.containerId, first.containerId)
    }).pipe(Effect.provide(testLayer())))

  it.effect("T116: a refused connection on the first run after Ready destroys the container and places the job again, once", () =>
    Effect.gen(function*() {
      const first = yield* invoke(hello, {})
      const second = yield* invoke(hello, { refuse: true })
      assert.isTrue(second.rescheduled)
      assert.isTrue(second.response.isSuccess)
      assert.strictEqual(second.start, "Cold")
      assert.notStrictEqual(second.containerId, first.containerId)
      assert.deepStrictEqual(yield* destroyed, [first.containerId])
      assert.strictEqual(yield* count("suspend"), 0)
    }).pipe(Effect.provide(testLayer({}, {
      run: (call) =>
        Effect.succeed(
          (call.body as { value: { refuse?: boolean } }).value.refuse === true && call.containerId === "test-container-1"
            ? { response: new ConnectionFailure.ConnectionError({ target: call.containerId }) }
            : ContainerFactory.answer(200, {})
        )
    }))))

  it.effect("T115, B21: a 503 on the first run after a resume reschedules once; a second failure is the activation's", () =>
    Effect.gen(function*() {
      yield* invoke(hello, {})
      yield* TestClock.adjust("10 seconds")
      yield* invoke(action("other"), {})
      yield* TestClock.adjust("10 seconds")
      // Both containers are now suspended; every run after a resume answers 503.
      const record = yield* invoke(hello, { shuttingDown: true })
      assert.isTrue(record.rescheduled)
      assert.strictEqual(record.start, "Cold")
      assert.isTrue(record.response.isSuccess)
      assert.strictEqual(yield* count("resume"), 1)
    }).pipe(Effect.provide(testLayer({}, {
      run: (call) =>
        Effect.succeed(
          (call.body as { value: { shuttingDown?: boolean } }).value.shuttingDown === true &&
            call.containerId === "test-container-1"
            ? { response: ContainerResponse.make(503, "{}") }
            : ContainerFactory.answer(200, {})
        )
    }))))

  it.effect("T114: a failed resume destroys the container and places the job again", () =>
    Effect.gen(function*() {
      const first = yield* invoke(hello, {})
      yield* TestClock.adjust("10 seconds")
      const second = yield* invoke(hello, {})
      assert.isTrue(second.rescheduled)
      assert.strictEqual(second.start, "Cold")
      assert.notStrictEqual(second.containerId, first.containerId)
      assert.strictEqual(yield* count("run"), 2)
      assert.deepStrictEqual(yield* destroyed, [first.containerId])
    }).pipe(Effect.provide(failingControl("resume"))))

  it.effect("T117: a container whose suspend fails is removed", () =>
    Effect.gen(function*() {
      yield* invoke(hello, {})
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.strictEqual(yield* count("destroy"), 1)
      assert.strictEqual((yield* ContainerPool.snapshot).containers.length, 0)
    }).pipe(Effect.provide(failingControl("suspend"))))

  it.effect("closing the pool's Scope fails waiting and running callers with Closed and removes every container", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const pool = yield* ContainerPool.make({ userMemory: mb(512) }).pipe(Scope.extend(scope))
      yield* pool.invoke(action("a"), {})
      const running = yield* Effect.fork(pool.invoke(action("b"), { sleep: 1000 }))
      const running2 = yield* Effect.fork(pool.invoke(action("c"), { sleep: 1000 }))
      yield* settle
      const waiting = yield* Effect.fork(pool.invoke(action("d"), {}))
      yield* settle
      assert.strictEqual((yield* pool.snapshot).buffered, 1)
      yield* Scope.close(scope, Exit.void)
      for (const fiber of [running, running2, waiting]) {
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.strictEqual(error.reason, "Closed")
      }
      const created = yield* count("create")
      assert.strictEqual(created, 3)
      assert.strictEqual(yield* count("destroy"), created)
      assert.strictEqual((yield* Effect.flip(pool.invoke(action("a"), {}))).reason, "Closed")
    }).pipe(Effect.provide(ContainerFactory.layerTest({ run: sleepingRun }))))
})
