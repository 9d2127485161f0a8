// DockerContainer's lifecycle over mock services (OpenWhisk's DockerContainerTests T1–T12, plus interruption and
// scoping). The engine, runc and HTTP layers are core's recording test layers, built fresh for each test.
import {
  ActivationResponse,
  ByteSize,
  ConnectionFailure,
  type ContainerAddress,
  ContainerFactory,
  ContainerHttp,
  ContainerId,
  type ContainerSpec,
  DockerEngine,
  Errors,
  Messages,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Logger, LogLevel, Option, Ref, Schedule, Stream } from "effect"

const services = (
  engine: Partial<DockerEngine.Service> = {},
  runc: Partial<Runc.Service> = {},
  config: WhiskConfig.Overrides = {}
) =>
  Layer.mergeAll(
    DockerEngine.layerTest(engine),
    Runc.layerTest(runc),
    ContainerHttp.layerTest(),
    WhiskConfig.layerWith(config)
  )

const engineError = (operation: string) =>
  new Errors.DockerEngineError({ operation, reason: "ServerError", description: "mock failure" })

const brokenId = ContainerId.make("brokenId")

const counts = Effect.gen(function*() {
  const calls = yield* DockerEngine.DockerEngineCalls
  return {
    pulls: yield* calls.count("pull"),
    runs: yield* calls.count("createAndStart"),
    inspects: yield* calls.count("inspectAddress"),
    rms: yield* calls.count("remove")
  }
})

// Background removals run in daemon fibers: give them a chance to start before counting.
const settle = Effect.repeatN(Effect.yieldNow(), 50)

const specOf = Effect.gen(function*() {
  const calls = yield* DockerEngine.DockerEngineCalls
  const runs = yield* calls.of("createAndStart")
  return runs[0]?.[0] as ContainerSpec.ContainerSpec
})

describe("DockerContainer.create", () => {
  it.effect("T1 creates a container with the memory, cpu, env, network and name asked for, without a pull", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({
        image: "image",
        userProvided: false,
        memory: ByteSize.megabytes(128),
        cpuShares: 1,
        cpuLimit: 0.5,
        environment: { test: "hi" },
        network: "testwork",
        name: "myContainer"
      })
      assert.deepStrictEqual(yield* counts, { pulls: 0, runs: 1, inspects: 1, rms: 0 })
      const options = yield* specOf
      assert.strictEqual(options.image, "image")
      assert.deepStrictEqual(options.capDrop, ["NET_RAW", "NET_ADMIN"])
      assert.deepStrictEqual(options.ulimits, [{ name: "nofile", soft: 1024, hard: 1024 }])
      assert.strictEqual(options.pidsLimit, 1024)
      assert.strictEqual(options.logDriver, "json-file")
      assert.strictEqual(options.memory.bytes, 128 * 1024 * 1024)
      assert.strictEqual(options.cpuShares, 1)
      assert.deepStrictEqual(options.cpus, Option.some(0.5))
      assert.strictEqual(options.network, "testwork")
      assert.deepStrictEqual(options.name, Option.some("effect-whisk_myContainer"))
      assert.deepStrictEqual(options.env, [["test", "hi"]])
      assert.strictEqual(container.id, "testId")
      assert.strictEqual(container.address.host, "testIp")
      assert.strictEqual(container.address.port, 8080)
      assert.isTrue(container.useRunc)
    }).pipe(Effect.provide(services())))

  it.effect("T2 pulls a user-provided image without a tag before creating the container", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ image: "image", userProvided: true })
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 1, inspects: 1, rms: 0 })
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("pull"), [["image"]])
    }).pipe(Effect.provide(services())))

  it.effect("T3 removes the container when inspect fails", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: false }))
      assert.strictEqual(error._tag, "WhiskContainerStartupError")
      assert.strictEqual(error.message, "Failed to provision resources to run the action.")
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 0, runs: 1, inspects: 1, rms: 1 })
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("remove"), [["testId"]])
    }).pipe(Effect.provide(services({ inspectAddress: () => Effect.fail(engineError("inspect")) }))))

  it.effect("T4 a failed run of a pulled user image is a WhiskContainerStartupError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: true }))
      assert.strictEqual(error._tag, "WhiskContainerStartupError")
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 1, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services({ createAndStart: () => Effect.fail(engineError("create")) }))))

  it.effect("T5 removes a broken container (exit status 125) and reports a provisioning error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: false }))
      assert.strictEqual(error._tag, "WhiskContainerStartupError")
      assert.strictEqual(error.message, "Failed to provision resources to run the action.")
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 0, runs: 1, inspects: 0, rms: 1 })
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("remove"), [[brokenId]])
    }).pipe(Effect.provide(services({
      createAndStart: () => Effect.fail(new Errors.BrokenContainer({ containerId: brokenId, image: "image", exitStatus: 125 }))
    }))))

  it.effect("B7 a broken container whose command was not found (127) is a BlackboxStartupError, even for a platform image", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image:1.0", userProvided: false }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      assert.strictEqual(error.message, "executable file not found in image image:1.0")
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 0, runs: 1, inspects: 0, rms: 1 })
    }).pipe(Effect.provide(services({
      createAndStart: () => Effect.fail(new Errors.BrokenContainer({ containerId: brokenId, image: "image:1.0", exitStatus: 127 }))
    }))))

  it.effect("T6 removes the container of a user image when inspect fails", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: true }))
      assert.strictEqual(error._tag, "WhiskContainerStartupError")
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 1, inspects: 1, rms: 1 })
    }).pipe(Effect.provide(services({ inspectAddress: () => Effect.fail(engineError("inspect")) }))))

  it.effect("T7 a failed pull of a user image without a tag fails with the verbatim message and no run", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: true }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      assert.strictEqual(error.message, "Failed to pull container image 'image'.")
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 0, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services({ pull: () => Stream.fail(engineError("pull")) }))))

  it.effect("B6 a failed pull of a user image tagged latest fails like an untagged one", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "team/image:latest", userProvided: true }))
      assert.strictEqual(error.message, "Failed to pull container image 'team/image:latest'.")
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 0, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services({ pull: () => Stream.fail(engineError("pull")) }))))

  it.effect("T8 recovers from a failed pull of a tagged user image when the run succeeds", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image:prod", userProvided: true })
      assert.strictEqual(container.image, "image:prod")
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 1, inspects: 1, rms: 0 })
    }).pipe(Effect.provide(services({ pull: () => Stream.fail(engineError("pull")) }))))

  it.effect("T9 reports the failed pull when the run after it fails as well", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: "image:prod", userProvided: true }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      assert.strictEqual(error.message, "Failed to pull container image 'image:prod'.")
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 1, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services({
      pull: () => Stream.fail(engineError("pull")),
      createAndStart: () => Effect.fail(engineError("create"))
    }))))

  it.effect("B5 resolves user images against the user-images registry and platform images against the runtimes one", () =>
    Effect.gen(function*() {
      const user = yield* DockerContainer.create({ image: "team/action:v1", userProvided: true })
      const platform = yield* DockerContainer.create({ image: "nodejs", userProvided: false })
      const own = yield* DockerContainer.create({ image: "127.0.0.1:5000/x/y:z", userProvided: true })
      assert.strictEqual(user.image, "users.example:5000/team/action:v1")
      assert.strictEqual(platform.image, "runtimes.example/nodejs")
      assert.strictEqual(own.image, "127.0.0.1:5000/x/y:z")
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("pull"), [["users.example:5000/team/action:v1"], ["127.0.0.1:5000/x/y:z"]])
    }).pipe(Effect.provide(services({}, {}, {
      container: { registry: { userImages: "users.example:5000", runtimes: "runtimes.example/" } }
    }))))

  it.effect("B4 derives cpu shares from memory, merges the configured extra environment and names with the prefix", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ image: "image", userProvided: false, environment: { A: "1", B: "2" } })
      const options = yield* specOf
      assert.strictEqual(options.cpuShares, 256)
      assert.deepStrictEqual(options.cpus, Option.some(0.5))
      assert.deepStrictEqual(options.env, [["A", "1"], ["B", "override"], ["C", ""]])
      assert.match(Option.getOrThrow(options.name), /^pfx_[0-9a-f]{16}$/)
      assert.strictEqual(options.network, "confnet")
      assert.deepStrictEqual(options.dnsServers, ["10.0.0.53"])
    }).pipe(Effect.provide(services({}, {}, {
      container: {
        namePrefix: "pfx",
        userMemory: ByteSize.megabytes(1024),
        userCpus: Option.some(2),
        network: "confnet",
        dnsServers: ["10.0.0.53"],
        extraEnv: [["B", "override"], ["C", ""]]
      }
    }))))

  it.effect("B4 puts the configured API host first in every container's environment; the extra environment may replace it", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ image: "image", userProvided: false, environment: { A: "1" } })
      assert.deepStrictEqual((yield* specOf).env, [["__OW_API_HOST", "https://whisk.example:443"], ["A", "1"]])
    }).pipe(Effect.provide(services({}, {}, { container: { apiHost: Option.some("https://whisk.example:443") } }))))

  it.effect("B4 replaces the API host with an extra environment entry of the same name, keeping its place", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ image: "image", userProvided: false, environment: { A: "1" } })
      assert.deepStrictEqual((yield* specOf).env, [["__OW_API_HOST", "http://other"], ["A", "1"]])
    }).pipe(Effect.provide(services({}, {}, {
      container: { apiHost: Option.some("https://whisk.example:443"), extraEnv: [["__OW_API_HOST", "http://other"]] }
    }))))

  it.effect("B4 sets no __OW_API_HOST when no API host is configured", () =>
    Effect.gen(function*() {
      yield* DockerContainer.create({ image: "image", userProvided: false, environment: { A: "1" } })
      assert.deepStrictEqual((yield* specOf).env, [["A", "1"]])
    }).pipe(Effect.provide(services())))

  it.effect("B3 applies the configured create overrides and logs them with the masked fields hidden (T107)", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const logger = Logger.make(({ message }) => {
        logged.push(Array.isArray(message) ? message.join(" ") : String(message))
      })
      yield* DockerContainer.create({ image: "image", userProvided: false, labels: { team: "a" } }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      const spec = yield* specOf
      assert.deepStrictEqual(spec.ulimits, [{ name: "nofile", soft: 4096, hard: 4096 }])
      assert.deepStrictEqual(spec.securityOpt, ["seccomp=/etc/secret-profile.json"])
      assert.deepStrictEqual(spec.capDrop, ["NET_RAW", "NET_ADMIN"])
      assert.deepStrictEqual(spec.labels, { zone: "z1", team: "a" })
      const line = logged.find((text) => text.includes("configured overrides"))
      assert.isDefined(line)
      assert.include(line, `"ulimits":[{"name":"nofile","soft":4096,"hard":4096}]`)
      assert.include(line, `"securityOpt":"**HIDDEN**"`)
      assert.notInclude(logged.join("\n"), "secret-profile")
    }).pipe(Effect.provide(services({}, {}, {
      container: { createOverrides: {
        ulimits: [{ name: "nofile", soft: 4096, hard: 4096 }],
        securityOpt: ["seccomp=/etc/secret-profile.json"],
        labels: { zone: "z1", team: "b" },
        masked: ["securityOpt"]
      } }
    }))))

  it.effect("refuses a bad image reference or environment before any engine call", () =>
    Effect.gen(function*() {
      const image = yield* Effect.flip(DockerContainer.create({ image: "Not An Image", userProvided: true }))
      assert.strictEqual(image._tag, "InvalidImageName")
      const env = yield* Effect.flip(
        DockerContainer.create({ image: "image", userProvided: true, environment: { "1bad": "x" } })
      )
      assert.strictEqual(env._tag, "InvalidEnvironment")
      assert.deepStrictEqual(yield* counts, { pulls: 0, runs: 0, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services())))
})

describe("DockerContainer.create under interruption", () => {
  it.effect("interrupted during the pull: nothing was created", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(DockerContainer.create({ image: "image", userProvided: true }))
      yield* settle
      yield* Fiber.interrupt(fiber)
      yield* settle
      assert.deepStrictEqual(yield* counts, { pulls: 1, runs: 0, inspects: 0, rms: 0 })
    }).pipe(Effect.provide(services({ pull: () => Stream.never }))))

  it.effect("interrupted after the engine gave an id: the container is removed", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(DockerContainer.create({ image: "image", userProvided: false }))
      yield* settle
      assert.strictEqual((yield* counts).inspects, 1)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      yield* settle
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("remove"), [["testId"]])
    }).pipe(Effect.provide(services({ inspectAddress: () => Effect.never }))))

  it.live("a removal that fails at first is retried in the background", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make(0)
      const remove = () =>
        Effect.flatMap(Ref.updateAndGet(attempts, (n) => n + 1), (n) => n < 3 ? Effect.fail(engineError("remove")) : Effect.void)
      yield* Effect.flip(DockerContainer.create({ image: "image", userProvided: false })).pipe(
        Effect.provide(services({ inspectAddress: () => Effect.fail(engineError("inspect")), remove }))
      )
      yield* Ref.get(attempts).pipe(
        Effect.repeat({ until: (n) => n >= 3, schedule: Schedule.spaced("20 millis") }),
        Effect.timeout("10 seconds")
      )
      assert.strictEqual(yield* Ref.get(attempts), 3)
    }))
})

describe("DockerContainer.createScoped", () => {
  it.effect("destroys the container when the scope closes", () =>
    Effect.gen(function*() {
      yield* Effect.scoped(DockerContainer.createScoped({ image: "image", userProvided: false }))
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("remove"), [["testId"]])
    }).pipe(Effect.provide(services())))

  it.effect("destroys the container when the scope closes with a failure", () =>
    Effect.gen(function*() {
      const result = yield* Effect.scoped(
        Effect.zipRight(DockerContainer.createScoped({ image: "image", userProvided: false }), Effect.fail("boom"))
      ).pipe(Effect.flip)
      assert.strictEqual(result, "boom")
      const calls = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual(yield* calls.of("remove"), [["testId"]])
    }).pipe(Effect.provide(services())))
})

describe("DockerContainer suspend, resume, destroy", () => {
  it.effect("T10 pauses and resumes through runc when use-runc is on", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false, useRunc: true })
      yield* container.suspend
      yield* container.resume
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual([yield* engine.count("pause"), yield* engine.count("unpause")], [0, 0])
      assert.deepStrictEqual(yield* runc.of("pause"), [["testId"]])
      assert.deepStrictEqual(yield* runc.of("resume"), [["testId"]])
    }).pipe(Effect.provide(services())))

  it.effect("T11 pauses and unpauses through the engine when use-runc is off (the Freezer is in engine mode)", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      assert.isFalse(container.useRunc)
      yield* container.suspend
      yield* container.resume
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual(yield* engine.of("pause"), [["testId"]])
      assert.deepStrictEqual(yield* engine.of("unpause"), [["testId"]])
      assert.deepStrictEqual([yield* runc.count("pause"), yield* runc.count("resume")], [0, 0])
    }).pipe(Effect.provide(
      FreezerChoice.layer.pipe(Layer.provideMerge(services({}, {}, { freezer: { mode: "engine" } })))
    )))

  it.effect("B11/B12 suspend closes the HTTP client before the pause; resume opens a new one after the thaw; both are idempotent", () =>
    Effect.gen(function*() {
      const events = yield* Ref.make<ReadonlyArray<string>>([])
      const note = (event: string) => Ref.update(events, (all) => [...all, event])
      const http: ContainerHttp.Service = {
        open: (address, options) =>
          Effect.as(note(`open ${address.host} ${options.maxConcurrent}`), {
            post: () => Effect.dieMessage("not used"),
            close: note("close")
          }),
        probe: () => Effect.dieMessage("not used")
      }
      yield* Effect.gen(function*() {
        const container = yield* DockerContainer.create({ image: "image", userProvided: false })
        // Resuming a running container and suspending a suspended one do nothing.
        yield* container.resume
        yield* container.suspend
        yield* container.suspend
        assert.strictEqual(yield* container.state, "Suspended")
        yield* container.resume
        yield* container.resume
        assert.strictEqual(yield* container.state, "Running")
        yield* container.suspend
        yield* container.resume
        yield* container.destroy
      }).pipe(
        Effect.provide(Layer.mergeAll(
          DockerEngine.layerTest({ remove: () => note("remove") }),
          Runc.layerTest({ pause: () => note("pause"), resume: () => note("resume") }),
          Layer.succeed(ContainerHttp.ContainerHttp, http),
          WhiskConfig.layerWith()
        ))
      )
      assert.deepStrictEqual(yield* Ref.get(events), [
        "pause",
        "resume",
        "open testIp 1",
        "close",
        "pause",
        "resume",
        "open testIp 1",
        "close",
        "remove"
      ])
    }))

  it.effect("T12 destroy removes the container with force through the engine", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.destroy
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual(yield* engine.of("remove"), [["testId"]])
      assert.strictEqual(yield* runc.count("resume"), 0)
    }).pipe(Effect.provide(services())))

  it.effect("B13 destroy thaws a container that runc froze before removing it, even when the thaw fails", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.suspend
      yield* container.destroy
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.strictEqual(yield* runc.count("resume"), 1)
      assert.deepStrictEqual(yield* engine.of("remove"), [["testId"]])
    }).pipe(Effect.provide(services({}, {
      resume: (id) => Effect.fail(new Errors.RuncError({ operation: "resume", containerId: id, reason: "NonZeroExit" }))
    }))))

  it.effect("destroy of a container that is already gone succeeds", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.destroy
    }).pipe(Effect.provide(services({
      remove: (id) => Effect.fail(new Errors.DockerEngineError({ operation: "remove", target: id, reason: "NotFound" }))
    }))))

  it.effect("the state is observable: Running, Suspended, Running, Destroyed, and the changes end with Destroyed", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      assert.deepStrictEqual(container.capabilities, { suspend: "FreezesProcesses", logSource: "JsonFile" })
      const seen = yield* Effect.fork(Stream.runCollect(container.stateChanges))
      yield* settle
      yield* container.suspend
      yield* container.resume
      yield* container.destroy
      assert.deepStrictEqual([...(yield* Fiber.join(seen))], ["Running", "Suspended", "Running", "Destroyed"])
    }).pipe(Effect.provide(services())))

  it.effect("destroy is final: every later operation fails with ContainerDestroyed and the engine is not called", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.destroy
      const failures = yield* Effect.all([
        Effect.flip(container.destroy),
        Effect.flip(container.suspend),
        Effect.flip(container.resume),
        Effect.flip(container.initialize({}, { timeout: Duration.seconds(1), maxConcurrent: 1 })),
        Effect.flip(container.run({}, {}, { timeout: Duration.seconds(1), maxConcurrent: 1 })),
        Effect.flip(container.logLines({ limit: ByteSize.megabytes(1), waitForSentinel: false })),
        Effect.flip(Stream.runDrain(container.logs({ limit: ByteSize.megabytes(1), waitForSentinel: false })))
      ])
      assert.deepStrictEqual(failures.map((error) => error._tag), Array(7).fill("ContainerDestroyed"))
      assert.deepStrictEqual(
        failures.map((error) => error._tag === "ContainerDestroyed" ? error.operation : ""),
        ["destroy", "suspend", "resume", "initialize", "run", "logs", "logs"]
      )
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.strictEqual(yield* engine.count("remove"), 1)
      assert.strictEqual(yield* runc.count("pause"), 0)
      assert.strictEqual(yield* (yield* ContainerHttp.ContainerHttpCalls).count("post"), 0)
    }).pipe(Effect.provide(services())))

  it.effect("a container destroyed by its owner is left alone when its scope closes", () =>
    Effect.gen(function*() {
      yield* Effect.scoped(Effect.flatMap(DockerContainer.createScoped({ image: "image", userProvided: false }), (c) => c.destroy))
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* engine.count("remove"), 1)
    }).pipe(Effect.provide(services())))

  it.effect("after a failed suspend, resume thaws (the container may be frozen) instead of doing nothing", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* Effect.flip(container.suspend)
      assert.strictEqual(yield* container.state, "Running")
      yield* container.resume
      assert.strictEqual(yield* (yield* Runc.RuncCalls).count("resume"), 1)
    }).pipe(Effect.provide(services({}, {
      pause: (id) => Effect.fail(new Errors.RuncError({ operation: "pause", containerId: id, reason: "Timeout" }))
    }))))

  it.effect("a failed suspend or resume is reported with its typed error", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      const suspend = yield* Effect.flip(container.suspend)
      const resume = yield* Effect.flip(container.resume)
      assert.strictEqual(suspend._tag, "RuncError")
      assert.strictEqual(resume._tag, "RuncError")
    }).pipe(Effect.provide(services({}, {
      pause: (id) => Effect.fail(new Errors.RuncError({ operation: "pause", containerId: id, reason: "Timeout" })),
      resume: (id) => Effect.fail(new Errors.RuncError({ operation: "resume", containerId: id, reason: "Timeout" }))
    }))))
})

describe("DockerContainer.layerTest", () => {
  it.effect("provides a ContainerFactory of Docker containers over the test layers, with nothing else", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false, memory: ByteSize.megabytes(128) })
      const interval = yield* container.initialize({ code: "x" }, { timeout: Duration.seconds(1), maxConcurrent: 1 })
      const outcome = yield* container.run({ a: 1 }, { activation_id: "a1" }, { timeout: Duration.seconds(1), maxConcurrent: 1 })
      assert.strictEqual(interval.millis, 0)
      assert.deepStrictEqual(outcome.response.result, {})
      const spec = yield* specOf
      assert.strictEqual(spec.memory.bytes, 128 * 1024 * 1024)
      const posts = yield* (yield* ContainerHttp.ContainerHttpCalls).of("post")
      assert.deepStrictEqual(posts.map((args) => args[2]), [{ value: { code: "x" } }, { value: { a: 1 }, activation_id: "a1" }])
    }).pipe(Effect.provide(DockerContainer.layerTest())))

  it.effect("a scripted connection failure is judged at the first OOM check, without moving the clock", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      const outcome = yield* container.run({}, {}, { timeout: Duration.seconds(1), maxConcurrent: 1 })
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.abnormalRun))
      assert.strictEqual(yield* (yield* DockerEngine.DockerEngineCalls).count("state"), 1)
    }).pipe(Effect.provide(DockerContainer.layerTest({
      respond: () => Effect.fail(new ConnectionFailure.ConnectionError({ target: "testIp:8080/run" }))
    }))))

  it.effect("an OOM kill scripted through the engine's state is MemoryExhausted", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      const outcome = yield* container.run({}, {}, { timeout: Duration.seconds(1), maxConcurrent: 1 })
      assert.deepStrictEqual(outcome.response, ActivationResponse.developerError(Messages.memoryExhausted))
    }).pipe(Effect.provide(DockerContainer.layerTest({
      respond: () => Effect.fail(new ConnectionFailure.ConnectionError({ target: "testIp:8080/run" })),
      engine: { state: () => Effect.succeed({ status: "exited", running: false, oomKilled: true, exitCode: 137 }) }
    }))))

  it.effect("PX10: probe goes to ContainerHttp's probe at the container's address; a destroyed container's fails with ContainerDestroyed", () =>
    Effect.gen(function*() {
      const container = yield* ContainerFactory.create({ image: "image", userProvided: false })
      yield* container.probe({ timeout: Duration.seconds(1) })
      const failed = yield* Effect.flip(container.probe({ timeout: Duration.seconds(1) }))
      assert.strictEqual(failed._tag, "ProbeError")
      if (failed._tag === "ProbeError") assert.strictEqual(failed.reason, "Unreachable")
      yield* container.destroy
      const destroyed = yield* Effect.flip(container.probe({ timeout: Duration.seconds(1) }))
      assert.strictEqual(destroyed._tag, "ContainerDestroyed")
      const probes = yield* (yield* ContainerHttp.ContainerHttpCalls).of("probe")
      assert.deepStrictEqual(probes.map(([address, options]) => [(address as ContainerAddress.ContainerAddress).asString, options]), [
        ["testIp:8080", { timeout: Duration.seconds(1) }],
        ["testIp:8080", { timeout: Duration.seconds(1) }]
      ])
    }).pipe(Effect.provide(Layer.unwrapEffect(Effect.map(Ref.make(0), (probes) =>
      DockerContainer.layerTest({
        probe: (address) =>
          Effect.flatMap(Ref.getAndUpdate(probes, (n) => n + 1), (n) =>
            n === 0 ? Effect.void : Effect.fail(new Errors.ProbeError({ target: address.asString, reason: "Unreachable" })))
      }))))))
})
