// The spans that stand in for OpenWhisk's start/finish/error markers (T13–T17 for initialize and run, T35/T36 for
// engine operations, T47–T50 for runc), recorded by a tracer that wraps the default one: each operation is one span
// with its name, its duration covers the operation, and a failure ends it with a failure.
import {
  ActivationResponse,
  ConnectionFailure,
  ContainerHttp,
  ContainerId,
  ContainerResponse,
  DockerEngine,
  EngineConfig,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Layer, Option, TestClock, Tracer } from "effect"
import * as DockerodeEngine from "../src/DockerodeEngine.js"
import { DockerContainer } from "@effect-whisk/docker"
import { fakeEngine, type Handler } from "./support/fakeEngine.js"
import { runcRunning } from "./support/standInRunc.js"

interface EndedSpan {
  readonly name: string
  readonly startNanos: bigint
  readonly endNanos: bigint
  readonly exit: Exit.Exit<unknown, unknown>
  readonly attributes: ReadonlyMap<string, unknown>
}

/** A tracer that creates spans as the default one does and records each span when it ends. */
const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const ended: Array<EndedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = base.span(name, parent, context, links, startTime, kind, options)
      const end = span.end.bind(span)
      return Object.assign(span, {
        end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
          end(endTime, exit)
          ended.push({ name, startNanos: startTime, endNanos: endTime, exit, attributes: span.attributes })
        }
      })
    },
    context: (f, fiber) => base.context(f, fiber)
  })
  return { tracer, ended }
})

/** Runs `self` under a recording tracer and gives its outcome with the spans that ended, in the order they ended. */
const traced = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(recordingTracer, ({ ended, tracer }) =>
    Effect.map(Effect.exit(Effect.withTracer(self, tracer)), (exit) => ({ exit, spans: ended })))

const only = (spans: ReadonlyArray<EndedSpan>, name: string): EndedSpan => {
  const named = spans.filter((span) => span.name === name)
  assert.strictEqual(named.length, 1, `one span named ${name}, got: ${spans.map((span) => span.name).join(", ")}`)
  return named[0]!
}

const millisOf = (span: EndedSpan) => Number(span.endNanos - span.startNanos) / 1e6

const second = Duration.seconds(1)

describe("spans of initialize and run (on the test clock)", () => {
  type Respond = Parameters<typeof ContainerHttp.layerTest>[0]
  const layers = (respond: Respond) =>
    Layer.mergeAll(ContainerHttp.layerTest(respond), DockerEngine.layerTest(), Runc.layerTest(), WhiskConfig.layerWith())
  const after = (millis: number, outcome: Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError>): Respond =>
  () => Effect.zipRight(TestClock.adjust(Duration.millis(millis)), outcome)
  const timeout = Effect.fail(new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1000 }))
  // The create's own span is recorded too; `only` picks the operation's span by its name.
  const container = DockerContainer.create({ image: "image", userProvided: false })
  const initialize = Effect.flatMap(container, (c) => c.initialize({}, { timeout: second, maxConcurrent: 1 }))
  const run = Effect.flatMap(container, (c) => c.run({}, {}, { timeout: second, maxConcurrent: 1 }))

  // The test layer's answer moves the TestClock on before it comes, so a span that covers the call lasts at least
  // that long.
  it.effect("T13 a successful /init is one DockerContainer.initialize span that covers the call and succeeds", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* traced(initialize)
      assert.isTrue(Exit.isSuccess(exit))
      const span = only(spans, "DockerContainer.initialize")
      assert.isTrue(Exit.isSuccess(span.exit))
      assert.isAtLeast(millisOf(span), 250)
    }).pipe(Effect.provide(layers(after(250, Effect.succeed(ContainerResponse.make(200, "")))))))

  it.effect("T14 an /init that times out ends its span with the InitializationError", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* traced(initialize)
      assert.isTrue(Exit.isFailure(exit))
      const span = only(spans, "DockerContainer.initialize")
      assert.isTrue(Exit.isFailure(span.exit))
      assert.strictEqual(failureTag(span.exit), "InitializationError")
      assert.isAtLeast(millisOf(span), 1000)
    }).pipe(Effect.provide(layers(after(1000, timeout)))))

  it.effect("T15 a successful /run is one DockerContainer.run span that covers the call and succeeds", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* traced(run)
      assert.deepStrictEqual(Exit.map(exit, (result) => result.response), Exit.succeed(ActivationResponse.success({}, 2)))
      const span = only(spans, "DockerContainer.run")
      assert.isTrue(Exit.isSuccess(span.exit))
      assert.isAtLeast(millisOf(span), 300)
    }).pipe(Effect.provide(layers(after(300, Effect.succeed(ContainerResponse.make(200, "{}")))))))

  it.effect("T16 a 503 ends the initialize and run spans with the ContainerHealthError", () =>
    Effect.gen(function*() {
      const operations = [
        ["DockerContainer.initialize", Effect.asVoid(initialize)],
        ["DockerContainer.run", Effect.asVoid(run)]
      ] as const
      for (const [name, call] of operations) {
        const { spans } = yield* traced(call)
        const span = only(spans, name)
        assert.strictEqual(failureTag(span.exit), "ContainerHealthError")
      }
    }).pipe(Effect.provide(layers(() => Effect.succeed(ContainerResponse.make(503, "{}"))))))

  // Under Effect's default tracer no one reads a span, so a call makes none (it cost a warm /run about 25 µs); under
  // an installed tracer the OOM check after a broken connection runs as a child of the call's span.
  const brokenRun = (seen: Array<Option.Option<string>>) =>
    Effect.provide(
      run,
      Layer.mergeAll(
        ContainerHttp.layerTest(() => Effect.fail(new ConnectionFailure.ConnectionError({ target: "t" }))),
        DockerEngine.layerTest({
          state: () =>
            Effect.map(Effect.option(Effect.currentSpan), (span) => {
              seen.push(Option.map(span, (current) => current.name))
              return { status: "exited", running: false, oomKilled: false, exitCode: 1 }
            })
        }),
        Runc.layerTest(),
        WhiskConfig.layerWith()
      )
    )

  it.effect("the OOM check is a child of the run span under an installed tracer; the default tracer gets no span", () =>
    Effect.gen(function*() {
      const underTracer: Array<Option.Option<string>> = []
      const { spans } = yield* traced(brokenRun(underTracer))
      assert.deepStrictEqual(underTracer, [Option.some("DockerContainer.run")])
      assert.strictEqual(only(spans, "DockerContainer.run").name, "DockerContainer.run")
      const underDefault: Array<Option.Option<string>> = []
      yield* Effect.exit(brokenRun(underDefault))
      assert.deepStrictEqual(underDefault, [Option.none()])
    }))

  it.effect("T17 a /run that times out still ends its span as a success: the timeout is the activation's result", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* traced(run)
      assert.deepStrictEqual(
        Exit.map(exit, (result) => result.response),
        Exit.succeed(ActivationResponse.developerError("The action exceeded its time limits of 1000 milliseconds."))
      )
      const span = only(spans, "DockerContainer.run")
      assert.isTrue(Exit.isSuccess(span.exit))
      assert.isAtLeast(millisOf(span), 1000)
    }).pipe(Effect.provide(layers(after(1000, timeout)))))
})

describe("spans of engine operations (a scripted engine API)", () => {
  const id = "55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52"
  const environment = EngineConfig.layerWith({
    timeouts: {
      run: second,
      rm: second,
      pull: second,
      ps: second,
      inspect: second,
      pause: second,
      unpause: second,
      version: second
    },
    parallelRuns: 10
  })
  const withEngine = (handler: Handler) =>
    Effect.flatMap(fakeEngine(handler), (fake) => DockerodeEngine.makeWith(fake.docker)).pipe(Effect.provide(environment))

  it.scopedLive("T35 each successful operation is one DockerEngine.<operation> span, naming its target, that lasts until the engine answered", () =>
    Effect.gen(function*() {
      // Every answer comes 50 ms late, so a span that covers the call lasts at least that long.
      const engine = yield* withEngine((request, respond) => {
        const reply = request.path === "/version"
          ? { status: 200, body: { Version: "20.10.24", ApiVersion: "1.41" } }
          : { status: 204 }
        setTimeout(() => respond(reply), 50)
        return undefined
      })
      const cid = ContainerId.make(id)
      const operations = [
        ["DockerEngine.pause", engine.pause(cid)],
        ["DockerEngine.unpause", engine.unpause(cid)],
        ["DockerEngine.remove", engine.remove(id)],
        ["DockerEngine.version", engine.version]
      ] as const
      for (const [name, call] of operations) {
        const { exit, spans } = yield* traced(call)
        assert.isTrue(Exit.isSuccess(exit), name)
        const span = only(spans, name)
        assert.isTrue(Exit.isSuccess(span.exit))
        assert.isAtLeast(millisOf(span), 50)
        if (name !== "DockerEngine.version") assert.strictEqual(span.attributes.get("target"), id)
      }
    }))

  it.scopedLive("T36 each failed operation ends its span with the DockerEngineError", () =>
    Effect.gen(function*() {
      const engine = yield* withEngine(() => ({ status: 500, body: { message: "engine trouble" } }))
      const cid = ContainerId.make(id)
      const operations = [
        ["DockerEngine.pause", engine.pause(cid)],
        ["DockerEngine.unpause", engine.unpause(cid)],
        ["DockerEngine.remove", engine.remove(id)],
        ["DockerEngine.inspect", engine.state(cid)],
        ["DockerEngine.list", engine.list("wsk")]
      ] as const
      for (const [name, call] of operations) {
        const { exit, spans } = yield* traced(call)
        assert.isTrue(Exit.isFailure(exit), name)
        const span = only(spans, name)
        assert.strictEqual(failureTag(span.exit), "DockerEngineError", name)
      }
    }))
})

describe("spans of runc (a stand-in runc script)", () => {
  const id = ContainerId.make("55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52")

  it.scopedLive("T47/T49 pause and resume are Runc.pause and Runc.resume spans, naming the container, that last as long as runc runs", () =>
    Effect.gen(function*() {
      const runc = yield* runcRunning("sleep 0.1", "5 seconds")
      for (const [name, call] of [["Runc.pause", runc.pause(id)], ["Runc.resume", runc.resume(id)]] as const) {
        const { exit, spans } = yield* traced(call)
        assert.isTrue(Exit.isSuccess(exit), name)
        const span = only(spans, name)
        assert.isTrue(Exit.isSuccess(span.exit))
        assert.strictEqual(span.attributes.get("containerId"), id)
        assert.isAtLeast(millisOf(span), 100)
      }
    }))

  it.scopedLive("T48/T50 a failed pause or resume ends its span with the RuncError", () =>
    Effect.gen(function*() {
      const runc = yield* runcRunning("echo 'container not running' >&2; exit 3")
      for (const [name, call] of [["Runc.pause", runc.pause(id)], ["Runc.resume", runc.resume(id)]] as const) {
        const { spans } = yield* traced(call)
        const span = only(spans, name)
        assert.strictEqual(failureTag(span.exit), "RuncError", name)
      }
    }))
})

function failureTag(exit: Exit.Exit<unknown, unknown>): string | undefined {
  if (Exit.isSuccess(exit)) return undefined
  return Option.match(Cause.failureOption(exit.cause), {
    onNone: () => undefined,
    onSome: (error) => (error as { readonly _tag?: string })._tag
  })
}
