// The in-memory ContainerFactory.layerTest: the Container contract without any other service.
import {
  ActivationResponse,
  ByteSize,
  ConnectionFailure,
  ContainerFactory,
  ContainerResponse,
  Errors,
  LogLine,
  Messages
} from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream, TestClock } from "effect"

const second = Duration.seconds(1)
const callOptions = { timeout: second, maxConcurrent: 1 }
const logsOptions = { limit: ByteSize.megabytes(1), waitForSentinel: true }
const textOf = (raw: string) => LogLine.stripLineEnd((JSON.parse(raw) as { log: string }).log)

describe("ContainerFactory.layerTest", () => {
  it.effect("creates containers that answer /init and /run by default, and records every call", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      const interval = yield* container.initialize({ code: "x" }, callOptions)
      const outcome = yield* container.run({ a: 1 }, { activation_id: "a1" }, callOptions)
      assert.strictEqual(container.id, "test-container-1")
      assert.strictEqual(container.image, "image")
      assert.strictEqual(interval.millis, 1)
      assert.deepStrictEqual(outcome.response, ActivationResponse.success({}, 2))
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.deepStrictEqual((yield* calls.all).map((call) => call.method), ["create", "initialize", "run"])
      assert.deepStrictEqual((yield* calls.of("run"))[0]?.slice(0, 3), ["test-container-1", { a: 1 }, { activation_id: "a1" }])
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("answers as scripted per container, interpreted as a Docker container interprets them", () =>
    Effect.gen(function*() {
      const first = yield* ContainerFactory.create({ image: "first", userProvided: false })
      const second = yield* ContainerFactory.create({ image: "second", userProvided: false })
      const ok = yield* first.run({ name: "you" }, {}, callOptions)
      const failed = yield* second.run({}, {}, callOptions)
      const late = yield* first.run({ late: true }, {}, callOptions)
      assert.deepStrictEqual(ok.response.result, { hi: "you" })
      assert.deepStrictEqual(failed.response, ActivationResponse.applicationError("no", 14))
      assert.deepStrictEqual(late.response, ActivationResponse.developerError(Messages.timedoutActivation(1000, false)))
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      run: ({ body, request }) => {
        const value = (body as { value: Record<string, unknown> }).value
        if (request.image === "second") return Effect.succeed(ContainerFactory.answer(200, { error: "no" }))
        return Effect.succeed({ ...ContainerFactory.answer(200, { hi: value["name"] }), millis: value["late"] ? 1000 : 1 })
      }
    }))))

  it.effect("a failed /init is an InitializationError; a 503 a ContainerHealthError; MemoryExhausted the memory message", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      const init = yield* Effect.flip(container.initialize({}, callOptions))
      assert.strictEqual(init._tag, "InitializationError")
      if (init._tag === "InitializationError") assert.deepStrictEqual(init.response, ActivationResponse.developerError("bad", 15))
      const unhealthy = yield* Effect.flip(container.run({ kind: "503" }, {}, callOptions))
      assert.strictEqual(unhealthy._tag, "ContainerHealthError")
      const oom = yield* container.run({ kind: "oom" }, {}, callOptions)
      assert.deepStrictEqual(oom.response, ActivationResponse.developerError(Messages.memoryExhausted))
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      init: () => Effect.succeed(ContainerFactory.answer(502, { error: "bad" })),
      run: ({ body }) =>
        Effect.succeed(
          (body as { value: { kind: string } }).value.kind === "503"
            ? { response: ContainerResponse.make(503, "{}") }
            : { response: new ConnectionFailure.MemoryExhausted({ target: "test-container-1" }) }
        )
    }))))

  it.effect("the lines of each answer are one activation's logs, read one activation at a time", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      yield* container.run({ n: 1 }, {}, callOptions)
      yield* container.run({ n: 2 }, {}, callOptions)
      const first = yield* container.logLines(logsOptions)
      const second = yield* Stream.runCollect(container.logs(logsOptions))
      assert.deepStrictEqual(first.map(textOf), ["run 1", "stderr of 1"])
      assert.deepStrictEqual(Chunk.toReadonlyArray(second).map(textOf), ["run 2", "stderr of 2"])
      const none = yield* container.logLines({ ...logsOptions, waitForSentinel: false })
      assert.deepStrictEqual(none, [])
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      run: ({ body }) => {
        const n = (body as { value: { n: number } }).value.n
        return Effect.succeed(ContainerFactory.answer(200, {}, [
          { stream: "stdout", text: `run ${n}` },
          { stream: "stderr", text: `stderr of ${n}` }
        ]))
      }
    }))))

  it.effect("logs over the limit end with the truncation notice; missing sentinels with the failure notice", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      yield* container.run({}, {}, callOptions)
      const cut = yield* container.logLines({ limit: ByteSize.bytes(100), waitForSentinel: true })
      assert.strictEqual(cut.length, 2)
      assert.strictEqual(textOf(cut[1]!), Messages.truncateLogs(ByteSize.bytes(100)))
      yield* container.initialize({}, callOptions)
      const unfinished = yield* container.logLines(logsOptions)
      assert.deepStrictEqual(unfinished.map(textOf), ["init says hi", Messages.logFailure])
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      init: () => Effect.succeed(ContainerFactory.answer(200, { OK: true }, [{ stream: "stdout", text: "init says hi" }])),
      run: () =>
        Effect.succeed(ContainerFactory.answer(200, {}, [
          { stream: "stdout", text: "x".repeat(20) },
          { stream: "stdout", text: "y".repeat(80) }
        ]))
    }))))

  it.effect("suspend and resume are idempotent, a suspended container times out, destroy is final", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      const seen = yield* Effect.fork(Stream.runCollect(container.stateChanges))
      yield* Effect.repeatN(Effect.yieldNow(), 10)
      yield* container.resume
      yield* container.suspend
      yield* container.suspend
      const frozen = yield* container.run({}, {}, callOptions)
      assert.deepStrictEqual(frozen.response, ActivationResponse.developerError(Messages.timedoutActivation(1000, false)))
      yield* container.resume
      yield* container.destroy
      assert.strictEqual(yield* container.state, "Destroyed")
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(seen)), ["Running", "Suspended", "Running", "Destroyed"])
      const again = yield* Effect.flip(container.destroy)
      assert.deepStrictEqual(again, new Errors.ContainerDestroyed({ containerId: container.id, operation: "destroy" }))
      const run = yield* Effect.flip(container.run({}, {}, callOptions))
      assert.strictEqual(run._tag, "ContainerDestroyed")
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("a scripted create failure fails the create; createScoped destroys when the scope closes", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ContainerFactory.create({ image: "bad", userProvided: true }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      const container = yield* Effect.scoped(ContainerFactory.createScoped({ image: "good", userProvided: false }))
      assert.strictEqual(yield* container.state, "Destroyed")
      const calls = yield* ContainerFactory.ContainerFactoryCalls
      assert.deepStrictEqual(yield* calls.of("destroy"), [["test-container-2"]])
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      create: (request) =>
        request.image === "bad"
          ? Effect.fail(new Errors.BlackboxStartupError({ message: Messages.imagePullError("bad"), image: "bad" }))
          : Effect.void
    }))))
})

describe("LogLine.activationLines", () => {
  it("gives the lines with the sentinel pair, as json-file lines the log readers take", () => {
    const lines = LogLine.activationLines([{ stream: "stdout", text: "hello" }], { time: "2026-01-01T00:00:00Z" })
    assert.deepStrictEqual(lines.map((line) => line.formatted), [
      "2026-01-01T00:00:00Z           stdout: hello",
      `2026-01-01T00:00:00Z           stdout: ${Messages.activationLogSentinel}`,
      `2026-01-01T00:00:00Z           stderr: ${Messages.activationLogSentinel}`
    ])
    const file = LogLine.jsonFile(lines)
    assert.strictEqual(file.split("\n").length, 4)
    assert.strictEqual(LogLine.formatRaw(file.split("\n")[0]!), "2026-01-01T00:00:00Z           stdout: hello")
    assert.strictEqual(LogLine.activationLines([], { sentinels: false }).length, 0)
  })

  it.effect("PX10: a health probe succeeds by default, suspended too; a destroyed container's fails with ContainerDestroyed", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      yield* container.probe({ timeout: second })
      yield* container.suspend
      yield* container.probe({ timeout: second })
      yield* container.destroy
      const destroyed = yield* Effect.flip(container.probe({ timeout: second }))
      assert.strictEqual(destroyed._tag, "ContainerDestroyed")
      if (destroyed._tag === "ContainerDestroyed") assert.strictEqual(destroyed.operation, "probe")
      const probes = yield* (yield* ContainerFactory.ContainerFactoryCalls).of("probe")
      assert.deepStrictEqual(probes, [
        ["test-container-1", { timeout: second }],
        ["test-container-1", { timeout: second }],
        ["test-container-1", { timeout: second }]
      ])
    }).pipe(Effect.provide(ContainerFactory.layerTest())))

  it.effect("PX10: probes answer as scripted per container; one slower than its timeout fails with Timeout", () =>
    Effect.gen(function*() {
      const refusing = yield* ContainerFactory.create({ image: "refusing", userProvided: false })
      const hanging = yield* ContainerFactory.create({ image: "hanging", userProvided: false })
      const healthy = yield* ContainerFactory.create({ image: "healthy", userProvided: false })
      const refused = yield* Effect.flip(refusing.probe({ timeout: second }))
      assert.strictEqual(refused._tag, "ProbeError")
      if (refused._tag === "ProbeError") assert.strictEqual(refused.reason, "Refused")
      const late = yield* Effect.fork(Effect.flip(hanging.probe({ timeout: Duration.millis(500) })))
      yield* TestClock.adjust("500 millis")
      const timedOut = yield* Fiber.join(late)
      assert.strictEqual(timedOut._tag, "ProbeError")
      if (timedOut._tag === "ProbeError") {
        assert.strictEqual(timedOut.reason, "Timeout")
        assert.strictEqual(timedOut.timeoutMillis, 500)
        assert.strictEqual(timedOut.target, "test-container-2:8080")
      }
      yield* healthy.probe({ timeout: second })
    }).pipe(Effect.provide(ContainerFactory.layerTest({
      probe: ({ containerId, request }) =>
        request.image === "refusing"
          ? Effect.fail(new Errors.ProbeError({ target: `${containerId}:8080`, reason: "Refused" }))
          : request.image === "hanging"
          ? Effect.never
          : Effect.void
    }))))
})
