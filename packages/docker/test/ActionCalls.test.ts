// initialize and run over mock layers (T13–T17, B16–B17, B21–B23): a DockerContainer on core's test layers,
// ContainerHttp.layerTest answering the posts, DockerEngine.layerTest reporting the container's state.
import {
  ActivationResponse,
  ByteSize,
  ConnectionFailure,
  ContainerAddress,
  ContainerHttp,
  ContainerResponse,
  DockerEngine,
  Errors,
  Interval,
  Messages,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Logger, LogLevel, Option, TestClock } from "effect"
import { DockerContainer } from "@effect-whisk/docker"
import * as ActionClient from "../src/internal/actionClient.js"

type Respond = Parameters<typeof ContainerHttp.layerTest>[0]

const layers = (
  respond: Respond,
  engine: Partial<DockerEngine.Service> = {},
  config: WhiskConfig.Overrides = {}
) => Layer.mergeAll(ContainerHttp.layerTest(respond), DockerEngine.layerTest(engine), Runc.layerTest(), WhiskConfig.layerWith(config))

const container = DockerContainer.create({ image: "image", userProvided: false })

/** Answers after `millis` on the clock, as a container that takes that long. */
const after = (
  millis: number,
  outcome: Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError>
): Respond =>
() => Effect.zipRight(TestClock.adjust(Duration.millis(millis)), outcome)

const ok = (entity = "") => Effect.succeed(ContainerResponse.make(200, entity))

const second = Duration.seconds(1)

const initialize = (initializer: unknown = {}, options = { timeout: second, maxConcurrent: 1 }) =>
  Effect.flatMap(container, (c) => c.initialize(initializer, options))

const run = (
  parameters: unknown = {},
  activation: Readonly<Record<string, unknown>> = {},
  options: DockerContainer.RunOptions = { timeout: second, maxConcurrent: 1 }
) => Effect.flatMap(container, (c) => c.run(parameters, activation, options))

const connectionError = Effect.fail(new ConnectionFailure.ConnectionError({ target: "testIp:8080/run" }))

/** The posts the test ContainerHttp received, as `post(address, path, body, options)` recorded them. */
const posts = Effect.flatMap(ContainerHttp.ContainerHttpCalls, (log) => log.of("post")).pipe(
  Effect.map((all) =>
    all.map(([address, path, body, options]) => ({
      address: address as ContainerAddress.ContainerAddress,
      path: path as string,
      body,
      options: options as ContainerHttp.PostOptions
    }))
  )
)

/** The one post of the test. */
const onlyPost = Effect.flatMap(posts, ([first, ...rest]) =>
  first !== undefined && rest.length === 0 ? Effect.succeed(first) : Effect.dieMessage(`expected one post, got ${rest.length + 1}`))

describe("initialize (B22)", () => {
  it.effect("T13 gives the interval of a successful /init and posts {value: initializer} with retry", () =>
    Effect.gen(function*() {
      const interval = yield* initialize({ code: "x" })
      assert.deepStrictEqual(interval, Interval.make(0, 1))
      const { address, body, options, path } = yield* onlyPost
      assert.strictEqual(address.asString, "testIp:8080")
      assert.strictEqual(path, "/init")
      assert.deepStrictEqual(body, { value: { code: "x" } })
      assert.isTrue(options.retry)
      assert.isFalse(options.reschedule)
      assert.deepStrictEqual(options.maxResponse, ByteSize.megabytes(1))
      assert.deepStrictEqual(options.truncation, ByteSize.megabytes(1))
      assert.isTrue(Duration.equals(options.timeout, second))
    }).pipe(Effect.provide(layers(after(1, ok())))))

  it.effect("opens the client with the maxConcurrent of /init and remembers it for resume (B12)", () =>
    Effect.gen(function*() {
      const c = yield* container
      yield* c.initialize({}, { timeout: Duration.seconds(7), maxConcurrent: 3 })
      yield* c.suspend
      yield* c.resume
      const log = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* log.of("open")).map((args) => args[1]), [{ maxConcurrent: 3 }, { maxConcurrent: 3 }])
    }).pipe(Effect.provide(layers(after(1, ok())))))

  it.effect("a resume before any /init opens the client with the configured default maxConcurrent (B12)", () =>
    Effect.gen(function*() {
      const c = yield* container
      yield* c.suspend
      yield* c.resume
      const log = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* log.of("open")).map((args) => args[1]), [{ maxConcurrent: 2 }])
    }).pipe(Effect.provide(layers(after(1, ok()), {}, { actionHttp: { defaultMaxConcurrent: 2 } }))))

  it.effect("T14 a Timeout at the deadline is an InitializationError with the init time-limit message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(initialize())
      assert.strictEqual(error._tag, "InitializationError")
      if (error._tag === "InitializationError") {
        assert.deepStrictEqual(error.interval, Interval.make(0, 1000))
        assert.deepStrictEqual(
          error.response,
          ActivationResponse.developerError("The action exceeded its time limits of 1000 milliseconds during initialization.")
        )
      }
    }).pipe(Effect.provide(layers(after(1000, Effect.fail(new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1000 })))))))

  it.effect("an OK /init that arrives after the timeout is still a success (B22 checks ok first)", () =>
    Effect.gen(function*() {
      const interval = yield* initialize()
      assert.strictEqual(interval.millis, 1500)
    }).pipe(Effect.provide(layers(after(1500, ok())))))

  it.effect("a failed /init before the deadline is interpreted (B24)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(initialize())
      assert.strictEqual(error._tag, "InitializationError")
      if (error._tag === "InitializationError") {
        assert.deepStrictEqual(error.response, ActivationResponse.developerError("boom", 16))
      }
    }).pipe(Effect.provide(layers(after(5, Effect.succeed(ContainerResponse.make(502, `{"error":"boom"}`)))))))

  it.effect("a Timeout before the deadline (connect retries ended early) is an abnormal initialization", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(initialize())
      assert.strictEqual(error._tag, "InitializationError")
      if (error._tag === "InitializationError") {
        assert.deepStrictEqual(error.response, ActivationResponse.developerError(Messages.abnormalInitialization))
      }
    }).pipe(Effect.provide(layers(after(10, Effect.fail(new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1000 })))))))

  it.effect("T16 a 503 answer fails with ContainerHealthError (ShuttingDown)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(initialize())
      assert.strictEqual(error._tag, "ContainerHealthError")
      if (error._tag === "ContainerHealthError") {
        assert.strictEqual(error.reason, "ShuttingDown")
        assert.strictEqual(error.target, "testId")
      }
    }).pipe(Effect.provide(layers(after(1, Effect.succeed(ContainerResponse.make(503, "{}")))))))
})

describe("run (B23)", () => {
  it.effect("T15 gives the interval and the success with the answer's size", () =>
    Effect.gen(function*() {
      const outcome = yield* run()
      assert.deepStrictEqual(outcome.interval, Interval.make(0, 1))
      assert.deepStrictEqual(outcome.response, ActivationResponse.success({}, 2))
    }).pipe(Effect.provide(layers(after(1, ok("{}"))))))

  it.effect("posts {value: parameters} merged with the activation's fields (they win), without retry", () =>
    Effect.gen(function*() {
      yield* run({ name: "x" }, { action_name: "/ns/a", deadline: "1700000000000", value: "from the activation" }, {
        timeout: second,
        maxConcurrent: 1,
        maxResponse: ByteSize.kilobytes(64),
        truncation: ByteSize.kilobytes(2),
        reschedule: true
      })
      const { body, options, path } = yield* onlyPost
      assert.strictEqual(path, "/run")
      assert.deepStrictEqual(body, { value: "from the activation", action_name: "/ns/a", deadline: "1700000000000" })
      assert.isFalse(options.retry)
      assert.isTrue(options.reschedule)
      assert.deepStrictEqual(options.maxResponse, ByteSize.kilobytes(64))
      assert.deepStrictEqual(options.truncation, ByteSize.kilobytes(2))
    }).pipe(Effect.provide(layers(after(1, ok("{}"))))))

  it.effect("without limits it uses the configured payload limits and reschedule false", () =>
    Effect.gen(function*() {
      yield* run({ a: 1 })
      const { body, options } = yield* onlyPost
      assert.deepStrictEqual(body, { value: { a: 1 } })
      assert.isFalse(options.reschedule)
      assert.deepStrictEqual(options.maxResponse, ByteSize.megabytes(1))
    }).pipe(Effect.provide(layers(after(1, ok("{}"))))))

  it.effect("T17 a Timeout at the deadline gives the time-limit message", () =>
    Effect.gen(function*() {
      const outcome = yield* run()
      assert.deepStrictEqual(outcome.interval, Interval.make(0, 1000))
      assert.deepStrictEqual(
        outcome.response,
        ActivationResponse.developerError("The action exceeded its time limits of 1000 milliseconds.")
      )
    }).pipe(Effect.provide(layers(after(1000, Effect.fail(new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1000 })))))))

  it.effect("an OK answer after the timeout is still a timeout (B23 checks the time first)", () =>
    Effect.gen(function*() {
      const outcome = yield* run()
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.timedoutActivation(1000, false)))
    }).pipe(Effect.provide(layers(after(1200, ok("{}"))))))

  it.effect("T16 a 503 answer fails with ContainerHealthError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(run())
      assert.strictEqual(error._tag, "ContainerHealthError")
    }).pipe(Effect.provide(layers(after(1, Effect.succeed(ContainerResponse.make(503, "{}")))))))

  it.effect("a ContainerHealthError of the client (a warm container refused, reschedule) fails the run", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(run())
      assert.strictEqual(error._tag, "ContainerHealthError")
      if (error._tag === "ContainerHealthError") assert.strictEqual(error.reason, "Unreachable")
    }).pipe(Effect.provide(layers(() =>
      Effect.fail(new Errors.ContainerHealthError({ target: "testIp:8080/run", reason: "Unreachable" }))
    ))))

  it.effect("an application error (200 with error) and a truncated answer are interpreted (B25)", () =>
    Effect.gen(function*() {
      const outcome = yield* run()
      assert.deepStrictEqual(
        outcome.response,
        ActivationResponse.applicationError(Messages.truncatedResponseWithPrefix("{\"a", ByteSize.bytes(10), ByteSize.bytes(5)), 10)
      )
    }).pipe(Effect.provide(layers(after(
      1,
      Effect.succeed(ContainerResponse.make(200, "{\"a", Option.some({ length: ByteSize.bytes(10), max: ByteSize.bytes(5) })))
    )))))
})

describe("debug lines of a run", () => {
  /** The messages logged while `self` runs, at the given minimum level. */
  const logged = <A, E, R>(self: Effect.Effect<A, E, R>, level: LogLevel.LogLevel) =>
    Effect.gen(function*() {
      const messages: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel === LogLevel.Debug) messages.push(String(Array.isArray(message) ? message[0] : message))
      })
      const result = yield* self.pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(level)
      )
      return { result, messages }
    })

  it.effect("at Debug, a run logs what it sends and the result, and is interpreted as without them", () =>
    Effect.gen(function*() {
      const c = yield* container
      const first = yield* logged(c.run({}, { action_name: "/ns/a" }, { timeout: second, maxConcurrent: 1 }), LogLevel.Debug)
      assert.deepStrictEqual(first.result.response, ActivationResponse.success({}, 2))
      assert.strictEqual(first.messages.length, 2)
      assert.match(first.messages[0]!, /^sending arguments to \/ns\/a at /)
      assert.match(first.messages[1]!, /^running result: /)
      // The second run takes the open client, the first the path that opens it.
      const again = yield* logged(c.run({}, {}, { timeout: second, maxConcurrent: 1 }), LogLevel.Debug)
      assert.strictEqual(again.messages.length, 2)
    }).pipe(Effect.provide(layers(after(1, ok("{}"))))))

  it.effect("above Debug, a run logs nothing of its own", () =>
    Effect.gen(function*() {
      const c = yield* container
      const { messages, result } = yield* logged(c.run({}, {}, { timeout: second, maxConcurrent: 1 }), LogLevel.Info)
      assert.deepStrictEqual(result.response, ActivationResponse.success({}, 2))
      assert.deepStrictEqual(messages, [])
    }).pipe(Effect.provide(layers(after(1, ok("{}"))))))
})

describe("OOM detection after a broken connection (B17)", () => {
  /** The engine answers `states` in turn, the last one from then on, and counts the checks. */
  const engineStates = (states: ReadonlyArray<Partial<DockerEngine.ContainerState>>) => {
    let checks = 0
    const running: DockerEngine.ContainerState = { status: "running", running: true, oomKilled: false, exitCode: 0 }
    return {
      checks: () => checks,
      engine: {
        state: () =>
          Effect.sync(() => ({ ...running, ...states[Math.min(checks++, states.length - 1)] }))
      } satisfies Partial<DockerEngine.Service>
    }
  }

  const runForked = Effect.gen(function*() {
    const fiber = yield* Effect.fork(run())
    yield* TestClock.adjust("3 seconds")
    return yield* Fiber.join(fiber)
  })

  it.effect("an OOM-killed container gives MemoryExhausted: the memory message", () => {
    const engine = engineStates([{}, {}, { status: "exited", running: false, oomKilled: true, exitCode: 137 }])
    return Effect.gen(function*() {
      const outcome = yield* runForked
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.memoryExhausted))
      assert.strictEqual(engine.checks(), 3)
      // The interval ends when the post ended, before the OOM check.
      assert.deepStrictEqual(outcome.interval, Interval.make(0, 0))
    }).pipe(Effect.provide(layers(() => connectionError, engine.engine)))
  })

  it.effect("stops as soon as the engine reports the container exited without OOM", () => {
    const engine = engineStates([{}, { status: "exited", running: false, exitCode: 139 }])
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(run())
      yield* TestClock.adjust("5 millis")
      const exit = yield* Fiber.await(fiber).pipe(Effect.timeoutOption("1 millis"), Effect.fork)
      yield* TestClock.adjust("1 millis")
      const done = yield* Fiber.join(exit)
      assert.isTrue(Option.isSome(done), "the poll ended after two checks, 5 ms into the 2 s window")
      if (Option.isSome(done)) {
        assert.isTrue(Exit.isSuccess(done.value))
        if (Exit.isSuccess(done.value)) {
          assert.deepStrictEqual(done.value.value.response, ActivationResponse.developerError(Messages.abnormalRun))
        }
      }
      assert.strictEqual(engine.checks(), 2)
    }).pipe(Effect.provide(layers(() => connectionError, engine.engine)))
  })

  it.effect("a running container that is not OOM-killed is checked for the whole window: 1 + 400 checks", () => {
    const engine = engineStates([{}])
    return Effect.gen(function*() {
      const outcome = yield* runForked
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
      assert.strictEqual(engine.checks(), 401)
    }).pipe(Effect.provide(layers(() => connectionError, engine.engine)))
  })

  it.effect("the poll interval and window come from the configuration", () => {
    const engine = engineStates([{}])
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(run())
      yield* TestClock.adjust("1 second")
      const outcome = yield* Fiber.join(fiber)
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
      assert.strictEqual(engine.checks(), 11)
    }).pipe(Effect.provide(layers(() => connectionError, engine.engine, {
      logs: { oom: { pollInterval: Duration.millis(10), window: Duration.millis(100) } }
    })))
  })

  it.effect("a container the engine no longer knows is not OOM-killed, and polling stops", () =>
    Effect.gen(function*() {
      const outcome = yield* runForked
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
      const log = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* log.count("state"), 1)
    }).pipe(Effect.provide(layers(() => connectionError, {
      state: (id) => Effect.fail(new Errors.DockerEngineError({ operation: "inspect", reason: "NotFound", target: id }))
    }))))

  it.effect("a failing engine check counts as undecided and polling goes on", () => {
    let checks = 0
    return Effect.gen(function*() {
      const outcome = yield* runForked
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.memoryExhausted))
      assert.strictEqual(checks, 3)
    }).pipe(Effect.provide(layers(() => connectionError, {
      state: () =>
        Effect.suspend(() =>
          ++checks < 3
            ? Effect.fail(new Errors.DockerEngineError({ operation: "inspect", reason: "ServerError" }))
            : Effect.succeed({ status: "exited", running: false, oomKilled: true, exitCode: 137 })
        )
    })))
  })

  it.effect("initialize reports MemoryExhausted with the memory message", () => {
    const engine = engineStates([{ status: "exited", running: false, oomKilled: true, exitCode: 137 }])
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(initialize()))
      yield* TestClock.adjust("3 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "InitializationError")
      if (error._tag === "InitializationError") {
        assert.deepStrictEqual(error.response, ActivationResponse.developerError(Messages.memoryExhausted))
      }
    }).pipe(Effect.provide(layers(() => connectionError, engine.engine)))
  })

  for (const failure of [
    new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1000 }),
    new ConnectionFailure.NoResponseReceived({ target: "t" })
  ]) {
    it.effect(`a ${failure._tag} is not checked for OOM (as the original)`, () =>
      Effect.gen(function*() {
        const outcome = yield* run()
        assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
        const log = yield* DockerEngine.DockerEngineCalls
        assert.strictEqual(yield* log.count("state"), 0)
      }).pipe(Effect.provide(layers(() => Effect.fail(failure)))))
  }
})

describe("the container's HTTP client", () => {
  it.effect("is opened once on first use and reused by later calls", () =>
    Effect.gen(function*() {
      const c = yield* container
      yield* c.initialize({}, { timeout: second, maxConcurrent: 4 })
      yield* c.run({}, {}, { timeout: second, maxConcurrent: 1 })
      yield* c.run({}, {}, { timeout: second, maxConcurrent: 1 })
      const log = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* log.of("open")).map((args) => args[1]), [{ maxConcurrent: 4 }])
      assert.strictEqual(yield* log.count("post"), 3)
    }).pipe(Effect.provide(layers(() => ok("{}")))))

  it.effect("concurrent first calls share one client, even when opening takes a while", () => {
    let opened = 0
    const slowOpen: ContainerHttp.Service = {
      open: () =>
        Effect.zipRight(
          Effect.zipRight(Effect.repeatN(Effect.yieldNow(), 20), Effect.sync(() => opened++)),
          Effect.succeed({ post: () => ok("{}"), close: Effect.void })
        ),
      probe: () => Effect.void
    }
    return Effect.gen(function*() {
      const c = yield* container
      const outcomes = yield* Effect.all(
        Array.from({ length: 16 }, () => c.run({}, {}, { timeout: second, maxConcurrent: 16 })),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(outcomes.length, 16)
      assert.isTrue(outcomes.every((outcome) => outcome.response.isSuccess))
      assert.strictEqual(opened, 1)
    }).pipe(Effect.provide(Layer.mergeAll(
      Layer.succeed(ContainerHttp.ContainerHttp, slowOpen),
      DockerEngine.layerTest(),
      Runc.layerTest(),
      WhiskConfig.layerWith()
    )))
  })

  it.effect("after a suspend closed the client, the next call opens a new one", () =>
    Effect.gen(function*() {
      const client = yield* ActionClient.make(yield* ContainerHttp.ContainerHttp, ContainerAddress.make("testIp"), 1)
      yield* client.get(1)
      yield* client.close
      yield* client.get(5)
      const log = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* log.all).map((call) => call.method), ["open", "close", "open"])
      assert.deepStrictEqual((yield* log.of("open")).map((args) => args[1]), [{ maxConcurrent: 1 }, { maxConcurrent: 5 }])
    }).pipe(Effect.provide(layers(() => ok("{}")))))

  it.effect("reopen closes the open client and opens one with the concurrency of the last /init", () =>
    Effect.gen(function*() {
      const client = yield* ActionClient.make(yield* ContainerHttp.ContainerHttp, ContainerAddress.make("testIp"), 1)
      yield* client.get(1)
      yield* client.initialized(3)
      yield* client.reopen
      const log = yield* ContainerHttp.ContainerHttpCalls
      assert.deepStrictEqual((yield* log.all).map((call) => call.method), ["open", "close", "open"])
      assert.deepStrictEqual((yield* log.of("open")).map((args) => args[1]), [{ maxConcurrent: 1 }, { maxConcurrent: 3 }])
    }).pipe(Effect.provide(layers(() => ok("{}")))))
})
