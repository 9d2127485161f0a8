import { ContainerHttp, ContainerResponse, DockerEngine, Errors, Messages, Runc } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { RuntimeImageError } from "../src/RuntimeImage.js"
import { layers, makeLogFile, runCli, runtime } from "./support/mockWhisk.js"

const hello = fileURLToPath(new URL("../../../examples/hello.js", import.meta.url))

interface JsonReport {
  readonly container: { readonly id: string | null; readonly image: string }
  readonly timings: Record<string, number>
  readonly activations: ReadonlyArray<{
    readonly start: string
    readonly containerId: string | null
    readonly response: { readonly statusCode: number; readonly result?: unknown; readonly size?: number }
    readonly logs: ReadonlyArray<string>
    readonly timings: Record<string, number>
  }>
  readonly error?: string
}

/** stdout must be exactly one JSON object (and a line end). */
const parseOnlyJson = (stdout: string): JsonReport => {
  assert.isTrue(stdout.endsWith("\n"))
  assert.strictEqual(stdout.trim().split("\n").length, 1, "one line on stdout")
  return JSON.parse(stdout) as JsonReport
}


describe("effect-whisk invoke --json", () => {
  it.live("prints the container, and each activation's start kind, timings, response and formatted logs", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json", "--param", "name=Ada")
      assert.strictEqual(status, 0)
      const report = parseOnlyJson(stdout)
      assert.deepStrictEqual(Object.keys(report), ["container", "timings", "activations"])
      assert.deepStrictEqual(report.container, { id: "testId", image: "effect-whisk/runtime-nodejs:test" })
      assert.deepStrictEqual(Object.keys(report.timings), ["destroy"])
      Object.values(report.timings).forEach((millis) => assert.isAtLeast(millis, 0))
      assert.strictEqual(report.activations.length, 1)
      const [activation] = report.activations
      assert.deepStrictEqual(activation!.response, {
        statusCode: 0,
        result: { greeting: "Hello, Ada!" },
        size: '{"greeting":"Hello, Ada!"}'.length
      })
      assert.deepStrictEqual(activation!.logs, [
        "2026-01-01T00:00:01.000000000Z stdout: hello.js greets Ada",
        "2026-01-01T00:00:02.000000000Z stderr: hello.js writes this line to stderr"
      ])
      assert.strictEqual(activation!.start, "cold")
      assert.strictEqual(activation!.containerId, "testId")
      assert.deepStrictEqual(Object.keys(activation!.timings), ["wait", "create", "init", "run", "logs"])

      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* engine.count("createAndStart"), 1)
      assert.strictEqual(yield* engine.count("remove"), 1)
      assert.strictEqual(yield* (yield* Runc.RuncCalls).count("pause"), 0)
    }).pipe(Effect.provide(layers())))

  it.live("sends the action as /init code and the parameters with the activation fields to /run", () =>
    Effect.gen(function*() {
      yield* runCli("invoke", hello, "--json", "--params-json", '{"name":"json","n":1}', "--param", "name=Ada", "--main", "main")
      const posts = (yield* (yield* ContainerHttp.ContainerHttpCalls).of("post")).map(([, path, body]) => ({ path, body }))
      assert.deepStrictEqual(posts.map(({ path }) => path), ["/init", "/run"])
      const init = (posts[0]!.body as { value: Record<string, unknown> }).value
      assert.strictEqual(init["code"], readFileSync(hello, "utf8"))
      assert.strictEqual(init["binary"], false)
      assert.strictEqual(init["main"], "main")
      assert.strictEqual(init["name"], "hello")
      const env = init["env"] as Record<string, string>
      assert.strictEqual(env["__OW_ACTION_NAME"], "/guest/hello")
      const run = posts[1]!.body as Record<string, unknown>
      assert.deepStrictEqual(run["value"], { name: "Ada", n: 1 })
      assert.strictEqual(run["action_name"], "/guest/hello")
      assert.strictEqual(run["namespace"], "guest")
      assert.match(String(run["activation_id"]), /^[0-9a-f]{32}$/)
      assert.strictEqual(run["activation_id"], env["__OW_ACTIVATION_ID"])
      assert.isString(run["deadline"])
    }).pipe(Effect.provide(layers())))

  it.live("--repeat reuses the warm container, each activation with its own logs", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json", "--repeat", "3")
      assert.strictEqual(status, 0)
      const report = parseOnlyJson(stdout)
      assert.deepStrictEqual(report.activations.map((activation) => activation.start), ["cold", "warm", "warm"])
      assert.deepStrictEqual(report.activations.map((activation) => activation.containerId), ["testId", "testId", "testId"])
      assert.deepStrictEqual(report.activations.map((activation) => Object.keys(activation.timings)), [
        ["wait", "create", "init", "run", "logs"],
        ["wait", "run", "logs"],
        ["wait", "run", "logs"]
      ])
      report.activations.forEach((activation) => assert.strictEqual(activation.logs.length, 2))
      assert.notDeepEqual(report.activations[0]!.logs, report.activations[1]!.logs)
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* engine.count("createAndStart"), 1)
      assert.strictEqual(yield* engine.count("remove"), 1)
      assert.strictEqual((yield* (yield* Runc.RuncCalls).all).length, 0)
    }).pipe(Effect.provide(layers())))

  it.live("--pause-grace takes 0 (suspend as soon as idle) and refuses what is not a duration", () =>
    Effect.gen(function*() {
      // When the pool suspends is its own timer's business (tested in packages/pool); here: the option reaches it.
      const { status, stdout } = yield* runCli("invoke", hello, "--json", "--repeat", "2", "--pause-grace", "0")
      assert.strictEqual(status, 0)
      assert.deepStrictEqual(parseOnlyJson(stdout).activations.map((activation) => activation.start), ["cold", "warm"])
      const bad = yield* runCli("invoke", hello, "--pause-grace", "soon")
      assert.strictEqual(bad.status, 4)
      assert.include(bad.stderr, "--pause-grace 'soon' is not a duration")
    }).pipe(Effect.provide(layers())))

  it.live("--no-suspend and --keep are usage errors that say what to use instead", () =>
    Effect.gen(function*() {
      const noSuspend = yield* runCli("invoke", hello, "--repeat", "2", "--no-suspend")
      assert.strictEqual(noSuspend.status, 4)
      assert.include(noSuspend.stderr, "--pause-grace")
      const keep = yield* runCli("invoke", hello, "--keep")
      assert.strictEqual(keep.status, 4)
      assert.include(keep.stderr, "docker run")
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("createAndStart"), 0)
    }).pipe(Effect.provide(layers())))

  it.live("exits with 1 for an application error", () => {
    const log = makeLogFile()
    return Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json", "--repeat", "2")
      assert.strictEqual(status, 1)
      const report = parseOnlyJson(stdout)
      // An application error keeps the container warm: both activations ran.
      assert.deepStrictEqual(report.activations.map((activation) => activation.response.result), [
        { error: "nope" },
        { error: "nope" }
      ])
    }).pipe(Effect.provide(layers({ log, respond: runtime(log, () => ContainerResponse.make(200, '{"error":"nope"}')) })))
  })

  it.live("exits with 2 for a developer error, stops repeating, and warns that logs may be missing", () => {
    const log = makeLogFile()
    return Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json", "--repeat", "3")
      assert.strictEqual(status, 2)
      const report = parseOnlyJson(stdout)
      assert.strictEqual(report.activations.length, 1)
      assert.deepStrictEqual(report.activations[0]!.response.result, { error: "An error has occurred: boom" })
      assert.include(report.activations[0]!.logs.at(-1)!, Messages.logWarningDeveloperError)
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("remove"), 1)
    }).pipe(Effect.provide(layers({
      log,
      respond: runtime(log, () => ContainerResponse.make(502, '{"error":"An error has occurred: boom"}'))
    })))
  })

  it.live("reports a failed /init as the activation, with its logs", () => {
    const log = makeLogFile()
    return Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json")
      assert.strictEqual(status, 2)
      const report = parseOnlyJson(stdout)
      assert.deepStrictEqual(report.activations[0]!.response.result, { error: "Initialization has failed due to: x" })
      assert.include(report.activations[0]!.logs[0]!, "stderr: Error during initialization: x")
      assert.strictEqual(yield* (yield* ContainerHttp.ContainerHttpCalls).count("post"), 1)
    }).pipe(Effect.provide(layers({
      log,
      respond: () =>
        Effect.sync(() => {
          log.append("stderr", "Error during initialization: x")
          log.activationEnd()
          return ContainerResponse.make(502, '{"error":"Initialization has failed due to: x"}')
        })
    })))
  })

  it.live("exits with 3 when no container can be created, and still prints one JSON object", () =>
    Effect.gen(function*() {
      const { status, stderr, stdout } = yield* runCli("invoke", hello, "--json")
      assert.strictEqual(status, 3)
      const report = parseOnlyJson(stdout)
      assert.deepStrictEqual(report.container, { id: null, image: "effect-whisk/runtime-nodejs:test" })
      assert.deepStrictEqual(report.activations.map((activation) => activation.response), [
        { statusCode: 3, result: { error: Messages.resourceProvisionError } }
      ])
      assert.include(stderr, "no container of effect-whisk/runtime-nodejs:test could be created")
    }).pipe(Effect.provide(layers({
      engine: {
        createAndStart: () => Effect.fail(new Errors.DockerEngineError({ operation: "create", reason: "ServerError", statusCode: 500 }))
      }
    }))))

  it.live("exits with 3 when the runtime image cannot be built", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--json")
      assert.strictEqual(status, 3)
      const report = parseOnlyJson(stdout)
      assert.include(report.error!, "docker is not installed")
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("createAndStart"), 0)
    }).pipe(Effect.provide(layers({
      runtimeImage: {
        error: new RuntimeImageError({
          image: "effect-whisk/runtime-nodejs:test",
          reason: "DockerUnavailable",
          message: "docker is not installed"
        })
      }
    }))))

})

describe("effect-whisk invoke", () => {
  it.live("prints the result, the logs and the timings for a person", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", hello, "--param", "name=Ada")
      assert.strictEqual(status, 0)
      for (const text of ["container  testId", "activation 1/1: success (statusCode 0) · cold start in container testId", "wait", '"greeting": "Hello, Ada!"', "stdout: hello.js greets Ada", "create", "init", "destroyed  in"]) {
        assert.include(stdout, text)
      }
    }).pipe(Effect.provide(layers())))
})
