// The live DockerEngine against a scripted engine that answers as Podman's Docker-compatible service does (Podman
// 4.3's version, inspect and error bodies, recorded from `podman system service`): the flavor is told by the
// version and asked once; a create carries nproc; the address on `bridge` is found under Podman's own network; an
// exit 137 of a memory-limited container is an OOM kill; Podman's 500 refusals are the typed errors Docker's 4xx
// are; the k8s-file log never reaches the json-file reader. Each Podman rule is also checked not to change Docker.
import { ByteSize, ContainerId, ContainerSpec, EngineConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import * as DockerodeEngine from "../src/DockerodeEngine.js"
import { fakeEngine, type FakeRequest, type Handler, type Reply } from "./support/fakeEngine.js"

const id = "58a5b4edbed9d712ad5de802240a48a7d896ec95c044aaf84e1863b068e8dc38"

const podmanVersion: Reply = {
  status: 200,
  body: {
    Platform: { Name: "linux/amd64/debian-12" },
    Components: [
      { Name: "Podman Engine", Version: "4.3.1", Details: { APIVersion: "4.3.1" } },
      { Name: "Conmon", Version: "conmon version 2.1.6, commit: unknown" },
      { Name: "OCI Runtime (runc)", Version: "runc version 1.1.5+ds1" }
    ],
    Version: "4.3.1",
    ApiVersion: "1.41"
  }
}
const dockerVersion: Reply = {
  status: 200,
  body: { Components: [{ Name: "Engine", Version: "20.10.24" }], Version: "20.10.24", ApiVersion: "1.41" }
}

const environment = EngineConfig.layerWith({
  timeouts: { ...EngineConfig.defaults.timeouts, version: Duration.seconds(2), inspect: Duration.seconds(2) }
})

const withEngine = <A, E>(
  version: Reply,
  handler: Handler,
  body: (engine: Effect.Effect.Success<ReturnType<typeof DockerodeEngine.makeWith>>, requests: Array<FakeRequest>) => Effect.Effect<A, E>,
  config: EngineConfig.Overrides = {}
) =>
  Effect.gen(function*() {
    const fake = yield* fakeEngine((request, respond, response) =>
      request.path === "/version" ? version : handler(request, respond, response)
    )
    const engine = yield* DockerodeEngine.makeWith(fake.docker)
    return yield* body(engine, fake.requests)
  }).pipe(Effect.provide(Object.keys(config).length === 0 ? environment : EngineConfig.layerWith({
    timeouts: { ...EngineConfig.defaults.timeouts, version: Duration.seconds(2), inspect: Duration.seconds(2) },
    ...config
  })))

const createAndStart: Handler = (request) =>
  request.path === "/containers/create" ? { status: 201, body: { Id: id, Warnings: [] } } : { status: 204 }

const ulimitsOf = (requests: Array<FakeRequest>) =>
  (requests.find((request) => request.path === "/containers/create")?.body as {
    HostConfig: { Ulimits: Array<{ Name: string; Soft: number; Hard: number }> }
  }).HostConfig.Ulimits

const inspectAnswer = (body: object): Handler => (request) =>
  request.path === `/containers/${id}/json` ? { status: 200, body } : undefined

// Podman's inspect of a container created on `bridge` (trimmed).
const podmanNetworkSettings = {
  IPAddress: "10.88.0.13",
  Gateway: "10.88.0.1",
  Networks: { podman: { NetworkID: "podman", IPAddress: "10.88.0.13", Gateway: "10.88.0.1" } }
}

describe("the engine's flavor", () => {
  it.scopedLive("Podman is told by its version's components, and the version is asked once", () =>
    withEngine(podmanVersion, () => undefined, (engine, requests) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* engine.version, { version: "4.3.1", apiVersion: "1.41", flavor: "podman" })
        yield* engine.version
        assert.strictEqual(requests.filter((request) => request.path === "/version").length, 1)
      })))

  it.scopedLive("Docker, with or without components, is docker; building the engine contacts nothing", () =>
    Effect.gen(function*() {
      yield* withEngine(dockerVersion, () => undefined, (engine, requests) =>
        Effect.gen(function*() {
          assert.strictEqual(requests.length, 0)
          assert.strictEqual((yield* engine.version).flavor, "docker")
        }))
      yield* withEngine({ status: 200, body: { Version: "1.13.1", ApiVersion: "1.26" } }, () => undefined, (engine) =>
        Effect.map(engine.version, (version) => assert.strictEqual(version.flavor, "docker")))
    }))
})

describe("Podman's create limits", () => {
  it.scopedLive("a create on Podman carries nproc 1024:1024 beside nofile, or the nproc the spec names", () =>
    withEngine(podmanVersion, createAndStart, (engine, requests) =>
      Effect.gen(function*() {
        yield* engine.createAndStart(ContainerSpec.make({ image: "image" }))
        assert.deepStrictEqual(ulimitsOf(requests), [
          { Name: "nofile", Soft: 1024, Hard: 1024 },
          { Name: "nproc", Soft: 1024, Hard: 1024 }
        ])
        requests.length = 0
        yield* engine.createAndStart(ContainerSpec.make({ image: "image", ulimits: [{ name: "nproc", soft: 64, hard: 128 }] }))
        assert.deepStrictEqual(ulimitsOf(requests), [{ Name: "nproc", Soft: 64, Hard: 128 }])
      })))

  it.scopedLive("a create on Docker carries the invoker's ulimits only", () =>
    withEngine(dockerVersion, createAndStart, (engine, requests) =>
      Effect.gen(function*() {
        yield* engine.createAndStart(ContainerSpec.make({ image: "image" }))
        assert.deepStrictEqual(ulimitsOf(requests), [{ Name: "nofile", Soft: 1024, Hard: 1024 }])
      })))

  it.scopedLive("a create whose flavor cannot be learnt fails with the version's error and sends no create", () =>
    withEngine({ status: 500, body: { message: "engine broken" } }, createAndStart, (engine, requests) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image" })))
        assert.deepInclude(error, { _tag: "DockerEngineError", operation: "version", reason: "ServerError" })
        assert.isFalse(requests.some((request) => request.path === "/containers/create"))
      })))
})

describe("Podman's address", () => {
  it.scopedLive("on bridge, the address Podman reports under its own network", () =>
    Effect.gen(function*() {
      const { Networks } = podmanNetworkSettings
      for (const settings of [podmanNetworkSettings, { IPAddress: "", Networks }]) {
        const started = yield* withEngine(podmanVersion, inspectAnswer({ NetworkSettings: settings }), (engine) =>
          engine.inspectStarted(ContainerId.make(id), "bridge"))
        assert.strictEqual(started.address.host, "10.88.0.13")
      }
    }))

  it.scopedLive("another network without an address has none, on either engine", () =>
    withEngine(podmanVersion, inspectAnswer({ NetworkSettings: podmanNetworkSettings }), (engine) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(engine.inspectAddress(ContainerId.make(id), "my-net"))
        assert.deepInclude(error, { operation: "inspectAddress", reason: "NotFound" })
      })))
})

describe("Podman's OOM kill", () => {
  const exited = (memory: number, exitCode: number) =>
    inspectAnswer({ State: { Status: "exited", Running: false, OOMKilled: false, ExitCode: exitCode }, HostConfig: { Memory: memory } })

  it.scopedLive("on Podman an exit 137 with a memory limit is an OOM kill; another exit or no limit is not", () =>
    Effect.gen(function*() {
      const limit = 64 * 1024 * 1024
      const killed = yield* withEngine(podmanVersion, exited(limit, 137), (engine) => engine.state(ContainerId.make(id)))
      assert.deepStrictEqual(killed, { status: "exited", running: false, oomKilled: true, exitCode: 137 })
      const failed = yield* withEngine(podmanVersion, exited(limit, 1), (engine) => engine.state(ContainerId.make(id)))
      assert.isFalse(failed.oomKilled)
      const unlimited = yield* withEngine(podmanVersion, exited(0, 137), (engine) => engine.state(ContainerId.make(id)))
      assert.isFalse(unlimited.oomKilled)
    }))

  it.scopedLive("on Docker only OOMKilled says so (an exit 137 may be a kill)", () =>
    Effect.gen(function*() {
      const killed = yield* withEngine(dockerVersion, exited(ByteSize.megabytes(64).bytes, 137), (engine) =>
        engine.state(ContainerId.make(id)))
      assert.isFalse(killed.oomKilled)
    }))
})

describe("Podman's refusals", () => {
  // Bodies as Podman 4.3 answers them.
  const refusal = (status: number, cause: string, message: string): Reply => ({
    status,
    body: { cause, message, response: status }
  })

  it.scopedLive("an improper state (pause of a paused container, unpause of a running one) is a Conflict", () =>
    withEngine(
      podmanVersion,
      () => refusal(500, "container state improper", `"${id}" is already paused: container state improper`),
      (engine) =>
        Effect.gen(function*() {
          for (const call of [engine.pause(ContainerId.make(id)), engine.unpause(ContainerId.make(id))]) {
            const error = yield* Effect.flip(call)
            assert.deepInclude(error, { reason: "Conflict", statusCode: 500 })
            assert.include(error.message, "already paused")
          }
        })
    ))

  it.scopedLive("Docker's refusals of the same calls are the same Conflict (409 for pause, 500 for unpause)", () =>
    Effect.gen(function*() {
      const paused = yield* withEngine(dockerVersion, () => ({ status: 409, body: { message: `Container ${id} is already paused` } }), (engine) =>
        Effect.flip(engine.pause(ContainerId.make(id))))
      assert.deepInclude(paused, { reason: "Conflict", statusCode: 409 })
      const running = yield* withEngine(dockerVersion, () => ({ status: 500, body: { message: `Container ${id} is not paused` } }), (engine) =>
        Effect.flip(engine.unpause(ContainerId.make(id))))
      assert.deepInclude(running, { reason: "Conflict", statusCode: 500 })
      const broken = yield* withEngine(dockerVersion, () => ({ status: 500, body: { message: "cgroup write failed" } }), (engine) =>
        Effect.flip(engine.unpause(ContainerId.make(id))))
      assert.deepInclude(broken, { reason: "ServerError" })
    }))

  it.scopedLive("a name in use is a Conflict, a missing container or image NotFound", () =>
    Effect.gen(function*() {
      const inUse = yield* withEngine(
        podmanVersion,
        () => refusal(500, "that name is already in use", "container create: the container name \"x\" is already in use"),
        (engine) => Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image", name: Option.some("x") })))
      )
      assert.deepInclude(inUse, { _tag: "DockerEngineError", operation: "create", reason: "Conflict" })
      const noImage = yield* withEngine(
        podmanVersion,
        () => refusal(404, "image not known", "no such image: docker.io/library/nothere:latest: image not known"),
        (engine) => Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "nothere" })))
      )
      assert.deepInclude(noImage, { _tag: "DockerEngineError", operation: "create", reason: "NotFound" })
      const gone = yield* withEngine(
        podmanVersion,
        () => refusal(500, "no such container", `no container with name or ID "${id}" found: no such container`),
        (engine) => Effect.flip(engine.remove(id))
      )
      assert.deepInclude(gone, { reason: "NotFound" })
    }))

  it.scopedLive("a start that fails is a BrokenContainer with the runtime's words", () =>
    withEngine(
      podmanVersion,
      (request) =>
        request.path === "/containers/create"
          ? { status: 201, body: { Id: id, Warnings: [] } }
          : refusal(
            500,
            "OCI runtime attempted to invoke a command that was not found",
            "runc: runc create failed: unable to start container process: exec: \"/does-not-exist\": stat /does-not-exist: no such file or directory: OCI runtime attempted to invoke a command that was not found"
          ),
      (engine) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image" })))
          assert.deepInclude(error, { _tag: "BrokenContainer", exitStatus: 127 })
        })
    ))
})

describe("Podman's log file", () => {
  const ctrLog = "/var/lib/containers/storage/overlay-containers/x/userdata/ctr.log"

  it.scopedLive("the k8s-file log is never handed to the json-file reader: auto reads the engine's log stream, without tail", () =>
    withEngine(podmanVersion, inspectAnswer({ LogPath: ctrLog, HostConfig: { LogConfig: { Type: "json-file" } } }), (engine) =>
      Effect.gen(function*() {
        const source = yield* engine.logSource(ContainerId.make(id))
        assert.isTrue(source._tag === "EngineStream" && !source.tail)
      })))

  it.scopedLive("with the file forced, it is a LogFileError that says why", () =>
    withEngine(podmanVersion, inspectAnswer({ LogPath: ctrLog }), (engine) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(engine.logSource(ContainerId.make(id)))
        assert.deepInclude(error, { _tag: "LogFileError", reason: "Unreadable", path: ctrLog })
        assert.include(error.message, "k8s-file")
      }), { logSource: "file" }))
})
