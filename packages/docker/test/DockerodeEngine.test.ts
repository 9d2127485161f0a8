// The live DockerEngine against a scripted engine API on a unix socket: how a ContainerSpec reaches the create body, how
// engine answers map to typed errors (OpenWhisk's DockerClientTests T29, T30, T37–T40 and the file-access client's
// T41–T46 over inspect), pull progress with in-stream errors, timeouts that abort the request, and interruption.
import {
  ByteSize,
  ContainerId,
  ContainerOwner,
  ContainerSpec,
  CreateOverrides,
  DockerEngine,
  EngineConfig,
  EngineEndpoint,
  LogsConfig,
  LogSource
} from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Chunk, Duration, Effect, Exit, Fiber, Logger, Option, Ref, Schedule, Stream } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import * as DockerodeEngine from "../src/DockerodeEngine.js"
import {
  addressOf,
  chooseStrategy,
  connectedNetworks,
  endpointOf,
  inSubnet,
  overlaps,
  publishedHostIp
} from "../src/internal/addressing.js"
import { type FakeEngine, fakeEngine, type FakeRequest, type Handler } from "./support/fakeEngine.js"

const id = "55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52"
const shortTimeouts = {
  run: Duration.millis(300),
  rm: Duration.millis(300),
  pull: Duration.millis(300),
  ps: Duration.millis(300),
  inspect: Duration.millis(300),
  pause: Duration.millis(300),
  unpause: Duration.millis(300),
  version: Duration.millis(300)
}

// The bridge strategy, as before the address strategies: `auto` would first ask these scripted engines about the
// network. The strategies have their own tests below.
const environment = EngineConfig.layerWith({ timeouts: shortTimeouts, parallelRuns: 10, address: "bridge" })

const withEngine = <A, E>(
  handler: Handler,
  body: (engine: DockerEngine.Service, fake: FakeEngine) => Effect.Effect<A, E>,
  config: EngineConfig.Overrides = {}
) =>
  Effect.gen(function*() {
    const fake = yield* fakeEngine(handler)
    const engine = yield* DockerodeEngine.makeWith(fake.docker, { flavor: "docker" })
    return yield* body(engine, fake)
  }).pipe(Effect.provide(EngineConfig.layerWith({ timeouts: shortTimeouts, parallelRuns: 10, address: "bridge", ...config })))

const eventually = (check: () => boolean) =>
  Effect.suspend(() => check() ? Effect.void : Effect.fail("not yet")).pipe(
    Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 250 }),
    Effect.orDie
  )

const created = (request: FakeRequest) =>
  request.method === "POST" && request.path === "/containers/create" ? { status: 201, body: { Id: id } } : undefined

const startOk = (request: FakeRequest) =>
  request.method === "POST" && request.path === `/containers/${id}/start` ? { status: 204 } : undefined

describe("DockerodeEngine", () => {
  it.scopedLive("T1 maps the run options onto the create body (B2–B4) and starts the container", () =>
    withEngine((request) => created(request) ?? startOk(request), (engine, fake) =>
      Effect.gen(function*() {
        const result = yield* engine.createAndStart(ContainerSpec.make({
          image: "image:prod",
          name: Option.some("wsk_1_guest_hello"),
          env: [["__OW_API_HOST", "https://host"], ["test", "hi"]],
          memory: ByteSize.megabytes(128),
          cpuShares: 64,
          cpus: Option.some(0.5),
          network: "testwork",
          dnsServers: ["10.96.0.10"],
          dnsSearch: ["svc.cluster.local"],
          dnsOptions: ["ndots:5"],
          labels: { team: "a" }
        }))
        assert.strictEqual(result, id)
        const [create] = fake.matching("POST", /^\/containers\/create$/)
        assert.strictEqual(create?.query.get("name"), "wsk_1_guest_hello")
        assert.deepInclude(create?.body as object, {
          Image: "image:prod",
          Env: ["__OW_API_HOST=https://host", "test=hi"],
          Labels: { team: "a", ...ContainerOwner.labels(engine.owner) }
        })
        assert.deepStrictEqual([engine.owner.host, engine.owner.pid], [hostname(), process.pid])
        assert.deepStrictEqual((create?.body as { HostConfig: unknown }).HostConfig, {
          Memory: 128 * 1024 * 1024,
          MemorySwap: 128 * 1024 * 1024,
          CpuShares: 64,
          NanoCpus: 500_000_000,
          NetworkMode: "testwork",
          Dns: ["10.96.0.10"],
          DnsSearch: ["svc.cluster.local"],
          DnsOptions: ["ndots:5"],
          CapDrop: ["NET_RAW", "NET_ADMIN"],
          Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 1024 }],
          PidsLimit: 1024,
          LogConfig: { Type: "json-file", Config: {} }
        })
        assert.strictEqual(fake.matching("POST", new RegExp(`^/containers/${id}/start$`)).length, 1)
      })))

  it.scopedLive("B3 the configured overrides reach the create body, replacing the invoker's defaults field by field", () =>
    withEngine((request) => created(request) ?? startOk(request), (engine, fake) =>
      Effect.gen(function*() {
        yield* engine.createAndStart(CreateOverrides.apply(ContainerSpec.make({ image: "image", labels: { team: "a" } }), {
          capDrop: ["ALL"],
          capAdd: ["NET_BIND_SERVICE"],
          ulimits: [{ name: "nofile", soft: 512, hard: 2048 }, { name: "nproc", soft: 64, hard: 64 }],
          pidsLimit: 256,
          securityOpt: ["no-new-privileges"],
          readOnlyRootfs: true,
          labels: { team: "b", zone: "z1" }
        }))
        const [create] = fake.matching("POST", /^\/containers\/create$/)
        const body = create?.body as { HostConfig: Record<string, unknown>; Labels: Record<string, string> }
        assert.deepInclude(body.HostConfig, {
          CapDrop: ["ALL"],
          CapAdd: ["NET_BIND_SERVICE"],
          Ulimits: [{ Name: "nofile", Soft: 512, Hard: 2048 }, { Name: "nproc", Soft: 64, Hard: 64 }],
          PidsLimit: 256,
          SecurityOpt: ["no-new-privileges"],
          ReadonlyRootfs: true,
          LogConfig: { Type: "json-file", Config: {} }
        })
        assert.deepStrictEqual(body.Labels, { team: "a", zone: "z1", ...ContainerOwner.labels(engine.owner) })
      })))

  it.scopedLive("the owner instance is random per engine, or the configured one", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(() => undefined)
      const first = yield* DockerodeEngine.makeWith(fake.docker).pipe(Effect.provide(environment))
      const second = yield* DockerodeEngine.makeWith(fake.docker).pipe(Effect.provide(environment))
      assert.notStrictEqual(first.owner.instance, second.owner.instance)
      const configured = yield* DockerodeEngine.makeWith(fake.docker).pipe(
        Effect.provide(EngineConfig.layerWith({ owner: Option.some("invoker-0") }))
      )
      assert.strictEqual(configured.owner.instance, "invoker-0")
    }))

  it.scopedLive("an infinite timeout does not fire at once (a timer cannot wait longer than about 24.8 days)", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine((request) =>
        request.path === "/version" ? { status: 200, body: { Version: "20.10.24", ApiVersion: "1.41" } } : undefined
      )
      const engine = yield* DockerodeEngine.makeWith(fake.docker).pipe(
        Effect.provide(EngineConfig.layerWith({ timeouts: { ...shortTimeouts, version: Duration.infinity } }))
      )
      assert.deepStrictEqual(yield* engine.version, { version: "20.10.24", apiVersion: "1.41", flavor: "docker" })
    }))

  it.scopedLive("B2 memory is given in whole megabytes, and cpu shares of 0 leave the engine's default", () =>
    withEngine((request) => created(request) ?? startOk(request), (engine, fake) =>
      Effect.gen(function*() {
        yield* engine.createAndStart(ContainerSpec.make({ image: "image", memory: ByteSize.bytes(200 * 1024 * 1024 + 12345) }))
        const hostConfig = (fake.matching("POST", /create$/)[0]?.body as { HostConfig: Record<string, unknown> }).HostConfig
        assert.strictEqual(hostConfig.Memory, 200 * 1024 * 1024)
        assert.notProperty(hostConfig, "CpuShares")
        assert.notProperty(hostConfig, "NanoCpus")
      })))

  it.scopedLive("T39 a start that fails because the command is missing gives a BrokenContainer with status 127", () =>
    withEngine(
      (request) =>
        created(request) ?? {
          status: 400,
          body: {
            message:
              "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/nope\": stat /nope: no such file or directory: unknown"
          }
        },
      (engine) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image" })))
          assert.strictEqual(error._tag, "BrokenContainer")
          assert.deepInclude(error, { containerId: ContainerId.make(id), image: "image", exitStatus: 127 })
        })
    ))

  it.scopedLive("T37 a start that fails otherwise gives a BrokenContainer with status 125", () =>
    withEngine(
      (request) => created(request) ?? { status: 500, body: { message: "mkdir /var/run/docker: no space left on device" } },
      (engine) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image" })))
          assert.strictEqual(error._tag, "BrokenContainer")
          assert.deepInclude(error, { containerId: ContainerId.make(id), exitStatus: 125 })
          assert.include(error.message, id)
        })
    ))

  it.scopedLive("T38 a create the engine refuses is a DockerEngineError, not a broken container", () =>
    withEngine(() => ({ status: 404, body: { message: "No such image: nothere:latest" } }), (engine) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "nothere" })))
        assert.strictEqual(error._tag, "DockerEngineError")
        if (error._tag === "DockerEngineError") {
          assert.deepInclude(error, { operation: "create", reason: "NotFound", statusCode: 404 })
          assert.strictEqual(error.message, "Docker engine create of nothere failed: NotFound (HTTP 404): No such image: nothere:latest")
        }
      })))

  it.scopedLive("T40 every call that gets no answer fails with a Timeout and aborts its request", () =>
    withEngine(() => undefined, (engine, fake) =>
      Effect.gen(function*() {
        const cid = ContainerId.make(id)
        const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, { readonly _tag: string }>]> = [
          ["create", engine.createAndStart(ContainerSpec.make({ image: "image" }))],
          ["inspect", engine.inspectAddress(cid, "bridge")],
          ["inspect", engine.state(cid)],
          ["pause", engine.pause(cid)],
          ["unpause", engine.unpause(cid)],
          ["remove", engine.remove(id)],
          ["list", engine.list("wsk")],
          ["version", engine.version],
          ["pull", Stream.runDrain(engine.pull("image"))]
        ]
        for (const [operation, call] of calls) {
          const error: object = yield* Effect.flip(call)
          assert.deepInclude(error, { _tag: "DockerEngineError", operation, reason: "Timeout" })
        }
        yield* eventually(() => fake.requests.every((request) => request.aborted))
        assert.strictEqual(fake.requests.length, calls.length)
      })))

  it.scopedLive("T29 lists all containers whose name starts with the prefix", () =>
    withEngine(
      () => ({
        status: 200,
        body: [
          { Id: "1".repeat(64), Names: ["/wsk0_1_guest_a"], Image: "a", State: "running" },
          { Id: "2".repeat(64), Names: ["/other_wsk0_1"], Image: "b", State: "exited" },
          { Id: "3".repeat(64), Names: ["/wsk0_2_guest_b"], Image: "c", State: "paused" }
        ]
      }),
      (engine, fake) =>
        Effect.gen(function*() {
          const listed = yield* engine.list("wsk0_")
          assert.deepStrictEqual(listed.map((c) => [c.id, c.names, c.state]), [
            ["1".repeat(64), ["wsk0_1_guest_a"], "running"],
            ["3".repeat(64), ["wsk0_2_guest_b"], "paused"]
          ])
          const [request] = fake.requests
          assert.strictEqual(request?.path, "/containers/json")
          assert.strictEqual(request?.query.get("all"), "true")
          assert.deepStrictEqual(JSON.parse(request?.query.get("filters") ?? "{}"), { name: ["^/?wsk0_"] })
        })
    ))

  it.scopedLive("T41–T44 reads the address on the network from inspect; a missing network is NotFound", () =>
    withEngine(
      () => ({ status: 200, body: { NetworkSettings: { Networks: { networkConfig: { IPAddress: "10.0.0.1" }, empty: { IPAddress: "" } } } } }),
      (engine) =>
        Effect.gen(function*() {
          const address = yield* engine.inspectAddress(ContainerId.make(id), "networkConfig")
          assert.deepStrictEqual([address.host, address.port], ["10.0.0.1", 8080])
          for (const network of ["foo network", "empty"]) {
            const error = yield* Effect.flip(engine.inspectAddress(ContainerId.make(id), network))
            assert.deepInclude(error, { operation: "inspectAddress", reason: "NotFound", target: id })
          }
        })
    ))

  it.scopedLive("T45/T46 reads the OOM flag and the state from inspect; missing fields count as not OOM-killed", () =>
    withEngine(
      (request) =>
        request.path.includes("1111")
          ? { status: 200, body: { State: { Status: "exited", Running: false, OOMKilled: true, ExitCode: 137 } } }
          : { status: 200, body: {} },
      (engine) =>
        Effect.gen(function*() {
          const killed = yield* engine.state(ContainerId.make("1".repeat(64)))
          assert.deepStrictEqual(killed, { status: "exited", running: false, oomKilled: true, exitCode: 137 })
          const unknown = yield* engine.state(ContainerId.make(id))
          assert.isFalse(unknown.oomKilled)
          assert.isFalse(unknown.running)
        })
    ))

  it.scopedLive("pull streams the progress events and asks for the latest tag of an untagged image", () =>
    withEngine(
      () => ({
        status: 200,
        body: [
          JSON.stringify({ status: "Pulling from team/image", id: "latest" }),
          JSON.stringify({ status: "Downloading", id: "abc", progress: "[=>  ]", progressDetail: { current: 10, total: 100 } }),
          JSON.stringify({ status: "Status: Downloaded newer image for team/image:latest" })
        ].join("\r\n") + "\r\n"
      }),
      (engine, fake) =>
        Effect.gen(function*() {
          const events = Chunk.toReadonlyArray(yield* Stream.runCollect(engine.pull("127.0.0.1:5000/team/image")))
          assert.deepStrictEqual(events, [
            { status: "Pulling from team/image", id: "latest" },
            { status: "Downloading", id: "abc", progress: "[=>  ]", current: 10, total: 100 },
            { status: "Status: Downloaded newer image for team/image:latest" }
          ])
          const [request] = fake.requests
          assert.strictEqual(request?.path, "/images/create")
          assert.strictEqual(request?.query.get("fromImage"), "127.0.0.1:5000/team/image")
          assert.strictEqual(request?.query.get("tag"), "latest")
        })
    ))

  it.scopedLive("an error reported inside the pull's progress stream fails the pull", () =>
    withEngine(
      () => ({
        status: 200,
        body: JSON.stringify({ status: "Pulling from team/image" }) + "\n" +
          JSON.stringify({ errorDetail: { message: "manifest for team/image:v9 not found: manifest unknown" }, error: "x" }) +
          "\n"
      }),
      (engine) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(Stream.runDrain(engine.pull("team/image:v9")))
          assert.deepInclude(error, { operation: "pull", reason: "PullFailed", target: "team/image:v9" })
          assert.include(error.message, "manifest unknown")
        })
    ))

  it.scopedLive("a pull the engine refuses, or whose progress is not JSON, fails", () =>
    withEngine(
      (request) =>
        request.query.get("tag") === "refused"
          ? { status: 404, body: { message: "pull access denied" } }
          : { status: 200, body: "not json\n" },
      (engine) =>
        Effect.gen(function*() {
          const refused = yield* Effect.flip(Stream.runDrain(engine.pull("image:refused")))
          assert.deepInclude(refused, { reason: "NotFound", statusCode: 404 })
          const garbled = yield* Effect.flip(Stream.runDrain(engine.pull("image:garbled")))
          assert.deepInclude(garbled, { reason: "InvalidResponse" })
        })
    ))

  it.scopedLive("remove asks for a forced removal; pause, unpause and version reach their endpoints", () =>
    withEngine(
      (request) =>
        request.path === "/version"
          ? { status: 200, body: { Version: "20.10.24", ApiVersion: "1.41" } }
          : { status: 204 },
      (engine, fake) =>
        Effect.gen(function*() {
          yield* engine.remove(id)
          yield* engine.pause(ContainerId.make(id))
          yield* engine.unpause(ContainerId.make(id))
          assert.deepStrictEqual(yield* engine.version, { version: "20.10.24", apiVersion: "1.41", flavor: "docker" })
          assert.deepStrictEqual(fake.requests.map((r) => `${r.method} ${r.path}`), [
            `DELETE /containers/${id}`,
            `POST /containers/${id}/pause`,
            `POST /containers/${id}/unpause`,
            "GET /version"
          ])
          assert.strictEqual(fake.requests[0]?.query.get("force"), "true")
        })
    ))

  it.scopedLive("a container the engine makes after the caller was interrupted is removed", () => {
    const pending: Array<() => void> = []
    return withEngine(
      (request, respond) => {
        if (request.path === "/containers/create") {
          pending.push(() => respond({ status: 201, body: { Id: id } }))
          return undefined
        }
        return { status: 204 }
      },
      (engine, fake) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(engine.createAndStart(ContainerSpec.make({ image: "image", name: Option.some("wsk_x") })))
          yield* eventually(() => pending.length === 1)
          const exit = yield* Fiber.interrupt(fiber)
          assert.isTrue(Exit.isInterrupted(exit))
          // The create was not abandoned: the engine's answer is still awaited.
          assert.isFalse(fake.requests[0]?.aborted)
          pending[0]?.()
          yield* eventually(() => fake.matching("DELETE", new RegExp(`^/containers/${id}$`)).length === 1)
          assert.strictEqual(fake.matching("POST", /start$/).length, 0)
        })
    )
  })

  it.scopedLive("a create that timed out is followed by removals of its name, in case the engine still makes it", () =>
    withEngine(
      (request) => request.method === "DELETE" ? { status: 404, body: { message: "No such container" } } : undefined,
      (engine, fake) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(engine.createAndStart(ContainerSpec.make({ image: "image", name: Option.some("wsk_slow") })))
          assert.deepInclude(error, { _tag: "DockerEngineError", reason: "Timeout" })
          yield* eventually(() => fake.matching("DELETE", /^\/containers\/wsk_slow$/).length >= 1)
        })
    ))

  it.scopedLive("with logSource file: logSource names the json-file log that inspect names; a container without one is a LogFileError", () => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-logsource-"))
    const logPath = join(directory, `${id}-json.log`)
    writeFileSync(logPath, "0123456789")
    return withEngine(
      (request) => ({ status: 200, body: request.path.includes("1111") ? { LogPath: "" } : { LogPath: logPath } }),
      (engine) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* engine.logSource(ContainerId.make(id)), LogSource.jsonFile(logPath))
          const missing = yield* Effect.flip(engine.logSource(ContainerId.make("1".repeat(64))))
          assert.deepInclude(missing, { _tag: "LogFileError", reason: "NotFound" })
        }),
      { logSource: "file" }
    ).pipe(Effect.ensuring(Effect.sync(() => rmSync(directory, { recursive: true, force: true }))))
  })

  it.scopedLive("with logSource file: logSource inspects once per container; a failed inspect, a removal or a vanished file ask again", () => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-logsource-"))
    const logPath = join(directory, `${id}-json.log`)
    const other = "2".repeat(64)
    const otherPath = join(directory, `${other}-json.log`)
    writeFileSync(logPath, "0123456789")
    writeFileSync(otherPath, "0123456789")
    let otherInspects = 0
    return withEngine(
      (request) => {
        if (request.method === "DELETE") return { status: 204 }
        if (!request.path.includes(other)) return { status: 200, body: { LogPath: logPath } }
        otherInspects++
        return otherInspects === 1 ? { status: 500, body: { message: "engine hiccup" } } : { status: 200, body: { LogPath: otherPath } }
      },
      (engine, fake) =>
        Effect.gen(function*() {
          const pathOf = (container: string) =>
            Effect.map(engine.logSource(ContainerId.make(container)), (source) => source._tag === "JsonFile" ? source.path : "")
          const inspects = (container: string) => fake.matching("GET", new RegExp(`^/containers/${container}/json$`)).length
          assert.deepStrictEqual([yield* pathOf(id), yield* pathOf(id)], [logPath, logPath])
          assert.strictEqual(inspects(id), 1)
          yield* engine.remove(id)
          assert.strictEqual(yield* pathOf(id), logPath)
          assert.strictEqual(inspects(id), 2)
          rmSync(logPath)
          assert.strictEqual(yield* pathOf(id), logPath)
          assert.strictEqual(inspects(id), 3)
          writeFileSync(logPath, "0123456789")
          assert.strictEqual(yield* pathOf(id), logPath)
          assert.strictEqual(inspects(id), 3)

          assert.deepInclude(yield* Effect.flip(pathOf(other)), { _tag: "DockerEngineError", operation: "inspect" })
          assert.deepStrictEqual([yield* pathOf(other), yield* pathOf(other)], [otherPath, otherPath])
          assert.strictEqual(inspects(other), 2)
        }),
      { logSource: "file" }
    ).pipe(Effect.ensuring(Effect.sync(() => rmSync(directory, { recursive: true, force: true }))))
  })

  it.scopedLive("auto: the json-file log when the driver is json-file and the file is readable here, else the engine's stream; decided once per container", () => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-logsource-"))
    const logPath = join(directory, `${id}-json.log`)
    writeFileSync(logPath, "0123456789")
    const [remote, journald, podman] = ["3".repeat(64), "4".repeat(64), "5".repeat(64)]
    const answers: Record<string, object> = {
      [id]: { LogPath: logPath, HostConfig: { LogConfig: { Type: "json-file" } } },
      // A remote engine's path, not on this machine.
      [remote]: { LogPath: `/var/lib/docker/containers/${remote}/${remote}-json.log`, HostConfig: { LogConfig: { Type: "json-file" } } },
      [journald]: { LogPath: "", HostConfig: { LogConfig: { Type: "journald" } } },
      // Podman names json-file but writes the CRI format to ctr.log.
      [podman]: { LogPath: join(directory, "ctr.log"), HostConfig: { LogConfig: { Type: "json-file" } } }
    }
    writeFileSync(join(directory, "ctr.log"), "2026-12-03T10:17:29.476314553+00:00 stdout F one\n")
    return withEngine(
      (request) => ({ status: 200, body: answers[request.path.split("/")[2]!] ?? {} }),
      (engine, fake) =>
        Effect.gen(function*() {
          const kind = (container: string) => Effect.map(engine.logSource(ContainerId.make(container)), (source) => source._tag)
          assert.deepStrictEqual(
            [yield* kind(id), yield* kind(remote), yield* kind(journald), yield* kind(podman)],
            ["JsonFile", "EngineStream", "EngineStream", "EngineStream"]
          )
          assert.deepStrictEqual([yield* kind(id), yield* kind(remote)], ["JsonFile", "EngineStream"])
          assert.strictEqual(fake.matching("GET", /\/json$/).length, 4)
        })
    ).pipe(Effect.ensuring(Effect.sync(() => rmSync(directory, { recursive: true, force: true }))))
  })

  it.scopedLive("a collection over the engine's log source reads the file from the cursor's offset", () => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-logsource-"))
    const logPath = join(directory, `${id}-json.log`)
    const first = `${JSON.stringify({ log: "one\n", stream: "stdout", time: "t" })}\n`
    const second = `${JSON.stringify({ log: "two\n", stream: "stdout", time: "t" })}\n`
    writeFileSync(logPath, first + second)
    return withEngine(
      () => ({ status: 200, body: { LogPath: logPath } }),
      (engine) =>
        Effect.gen(function*() {
          const cursor = yield* ActivationLogs.makeCursor
          yield* Ref.set(cursor.offset, Buffer.byteLength(first))
          const lines = yield* ActivationLogs.collectAll(
            yield* engine.logSource(ContainerId.make(id)),
            cursor,
            ActivationLogs.options(LogsConfig.defaults, { limit: ByteSize.megabytes(1), waitForSentinel: false })
          )
          assert.deepStrictEqual(lines, [second.trimEnd()])
        })
    ).pipe(Effect.ensuring(Effect.sync(() => rmSync(directory, { recursive: true, force: true }))))
  })

  it.scopedLive("an engine that does not listen is Unavailable", () =>
    Effect.gen(function*() {
      const engine = yield* DockerodeEngine.makeWith(new (yield* Effect.promise(() => import("dockerode"))).default({
        socketPath: "/nonexistent/docker.sock"
      }))
      const error = yield* Effect.flip(engine.list("wsk"))
      assert.deepInclude(error, { operation: "list", reason: "Unavailable" })
    }).pipe(Effect.provide(environment)))
})

describe("DockerodeEngine address strategies", () => {
  const withAddress = <A, E>(
    address: EngineConfig.Shape["address"],
    handler: Handler,
    body: (engine: DockerEngine.Service, fake: FakeEngine) => Effect.Effect<A, E>,
    options: { readonly tcp?: boolean } = {}
  ) =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(handler, options)
      const engine = yield* DockerodeEngine.makeWith(fake.docker, { flavor: "docker" })
      return yield* body(engine, fake)
    }).pipe(Effect.provide(EngineConfig.layerWith({ timeouts: shortTimeouts, address })))

  const publishedInspect = (request: FakeRequest) =>
    request.method === "GET" && request.path === `/containers/${id}/json`
      ? {
        status: 200,
        body: {
          State: { Pid: 4242 },
          NetworkSettings: {
            Networks: { bridge: { IPAddress: "172.17.0.9" } },
            Ports: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "49163" }] }
          }
        }
      }
      : undefined

  it.scopedLive("published: the create publishes 8080/tcp on an ephemeral port of 127.0.0.1, and the address is that port", () =>
    withAddress("published", (request) => created(request) ?? startOk(request) ?? publishedInspect(request), (engine, fake) =>
      Effect.gen(function*() {
        const started = yield* engine.createAndStart(ContainerSpec.make({ image: "image" }))
        const [create] = fake.matching("POST", /^\/containers\/create$/)
        const body = create?.body as { ExposedPorts: unknown; HostConfig: { PortBindings: unknown } }
        assert.deepStrictEqual(body.ExposedPorts, { "8080/tcp": {} })
        assert.deepStrictEqual(body.HostConfig.PortBindings, { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] })
        const { address, pid } = yield* engine.inspectStarted(started, "bridge")
        assert.deepStrictEqual([address.host, address.port, pid], ["127.0.0.1", 49163, 4242])
        assert.strictEqual(yield* engine.addressStrategy("any-network"), "published")
        // A fixed strategy asks the engine nothing about the network.
        assert.deepStrictEqual(fake.matching("GET", /^\/networks\//), [])
      })))

  it.scopedLive("published: a container whose action port has no binding is NotFound, naming the setting", () =>
    withAddress("published", () => ({ status: 200, body: { NetworkSettings: { Ports: { "8080/tcp": null } } } }), (engine) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(engine.inspectAddress(ContainerId.make(id), "bridge"))
        assert.deepInclude(error, { operation: "inspectAddress", reason: "NotFound" })
        assert.include(error.message, "EFFECT_WHISK_ADDRESS=published")
      })))

  it.scopedLive("bridge: the create publishes nothing and the address is the container's IP on the network", () =>
    withAddress("bridge", (request) => created(request) ?? startOk(request) ?? publishedInspect(request), (engine, fake) =>
      Effect.gen(function*() {
        const started = yield* engine.createAndStart(ContainerSpec.make({ image: "image" }))
        const body = fake.matching("POST", /^\/containers\/create$/)[0]?.body as Record<string, unknown> & {
          HostConfig: Record<string, unknown>
        }
        assert.notProperty(body, "ExposedPorts")
        assert.notProperty(body.HostConfig, "PortBindings")
        const { address } = yield* engine.inspectStarted(started, "bridge")
        assert.deepStrictEqual([address.host, address.port], ["172.17.0.9", 8080])
      })))

  it.scopedLive("auto on a local engine asks about each network once: bridge when this machine has an address in its subnet", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine((request) =>
        request.path === "/networks/bridge"
          ? { status: 200, body: { IPAM: { Config: [{ Subnet: "fd00::/64" }, { Subnet: "172.17.0.0/16" }] } } }
          : request.path === "/networks/isolated"
          ? { status: 200, body: { IPAM: { Config: [{ Subnet: "10.99.0.0/24" }] } } }
          : request.path === "/networks/gone"
          ? { status: 404, body: { message: "network gone not found" } }
          : undefined
      )
      const logs = yield* Ref.make<ReadonlyArray<string>>([])
      const logger = Logger.make(({ message }) => Effect.runSync(Ref.update(logs, (all) => [...all, String(message)])))
      const choose = chooseStrategy(fake.docker, endpointOf(fake.docker), "auto", Duration.seconds(1), () => ["127.0.0.0/8", "172.17.0.0/16"])
      const chosen = yield* Effect.forEach(["bridge", "isolated", "gone"], choose).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.deepStrictEqual(chosen, ["bridge", "published", "bridge"])
      const said = yield* Ref.get(logs)
      assert.include(said[0], "EFFECT_WHISK_ADDRESS=auto chose bridge for network bridge: this machine is on 172.17.0.0/16")
      assert.include(said[1], "chose published for network isolated")
      assert.include(said[2], "kept bridge for network gone")
      assert.include(said[2], "set EFFECT_WHISK_ADDRESS=published")

      // Through the engine: one question per network, however many containers.
      const engine = yield* DockerodeEngine.makeWith(fake.docker, { flavor: "docker" }).pipe(
        Effect.provide(EngineConfig.layerWith({ timeouts: shortTimeouts }))
      )
      const asked = () => fake.matching("GET", /^\/networks\/bridge$/).length
      const before = asked()
      yield* Effect.all([1, 2, 3].map(() => Effect.exit(engine.createAndStart(ContainerSpec.make({ image: "image" })))))
      assert.strictEqual(asked() - before, 1)
    }))

  it.scopedLive("auto on an engine that is not local publishes, without asking about the network", () =>
    Effect.gen(function*() {
      const remote = new Docker({ host: "10.20.30.40", port: 2375, protocol: "http" })
      assert.deepStrictEqual(endpointOf(remote), { url: "tcp://10.20.30.40:2375", host: "10.20.30.40", local: false })
      assert.strictEqual(yield* chooseStrategy(remote, endpointOf(remote), "auto", Duration.millis(1))("bridge"), "published")
      // Over TCP to a loopback address the engine counts as local.
      const loopback = new Docker({ host: "127.0.0.1", port: 2375, protocol: "http" })
      assert.deepInclude(endpointOf(loopback), { host: "127.0.0.1", local: true })
      assert.deepInclude(endpointOf(new Docker({ socketPath: "/run/podman/podman.sock" })), {
        url: "unix:///run/podman/podman.sock",
        host: "127.0.0.1",
        local: true
      })
    }))

  it.effect("published on a remote engine binds every interface of its host and is reached at that host", () =>
    Effect.gen(function*() {
      const remote = EngineEndpoint.fromDockerHost("tcp://engine.example:2376")
      assert.deepStrictEqual(remote, { url: "tcp://engine.example:2376", host: "engine.example", local: false })
      assert.strictEqual(publishedHostIp(remote), "")
      assert.strictEqual(publishedHostIp(EngineEndpoint.fromDockerHost(undefined)), "127.0.0.1")
      const info = { NetworkSettings: { Ports: { "8080/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }] } } }
      const address = yield* addressOf("published", remote, ContainerId.make(id), "bridge", info as unknown as Docker.ContainerInspectInfo)
      assert.strictEqual(address.url, "http://engine.example:32768")
    }))

  it("a subnet holds an IPv4 address when their prefixes match; IPv6 subnets hold none", () => {
    assert.isTrue(inSubnet("172.17.0.1", "172.17.0.0/16"))
    assert.isFalse(inSubnet("172.18.0.1", "172.17.0.0/16"))
    assert.isTrue(inSubnet("10.0.0.1", "0.0.0.0/0"))
    assert.isFalse(inSubnet("10.0.0.1", "fd00::/64"))
    assert.isFalse(inSubnet("10.0.0.1", "10.0.0.0/33"))
    assert.isTrue(overlaps("172.17.0.0/16", "172.17.5.0/24"))
    assert.isFalse(overlaps("172.17.0.0/16", "172.18.0.0/16"))
    // Loopback is always there: an interface's network, or a connected route.
    assert.isTrue(connectedNetworks().some((network) => inSubnet("127.0.0.1", network)))
  })
})

describe("DockerodeEngine.imageLabels", () => {
  it.scopedLive("an image's labels, None for an image the engine does not have, and a bad reference refused before any request", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine((request) =>
        request.path === "/images/runtime:1/json"
          ? { status: 200, body: { Id: "sha256:1", Config: { Labels: { "effect-whisk.inputs-hash": "abc" } } } }
          : request.path === "/images/bare:1/json"
          ? { status: 200, body: { Id: "sha256:2", Config: { Labels: null } } }
          : { status: 404, body: { message: "No such image" } }
      )
      assert.deepStrictEqual(
        yield* DockerodeEngine.imageLabels(fake.docker, "runtime:1"),
        Option.some({ "effect-whisk.inputs-hash": "abc" })
      )
      assert.deepStrictEqual(yield* DockerodeEngine.imageLabels(fake.docker, "bare:1"), Option.some({}))
      assert.deepStrictEqual(yield* DockerodeEngine.imageLabels(fake.docker, "missing:1"), Option.none())
      const refused = yield* Effect.flip(DockerodeEngine.imageLabels(fake.docker, "not an image"))
      assert.strictEqual(refused.reason, "InvalidId")
      assert.strictEqual(fake.requests.length, 3)
    }))

  it.scopedLive("an engine that does not answer within the timeout is a Timeout, and the request is abandoned", () =>
    Effect.gen(function*() {
      const fake = yield* fakeEngine(() => undefined)
      const error = yield* Effect.flip(DockerodeEngine.imageLabels(fake.docker, "runtime:1", Duration.millis(100)))
      assert.strictEqual(error.reason, "Timeout")
      yield* eventually(() => fake.requests[0]?.aborted === true)
    }))
})
