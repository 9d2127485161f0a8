// The live Freezer's choice over mock engine and runc layers (a stand-in runc binary answers `list`), and
// DockerContainer freezing through whatever Freezer is in the context.
import {
  ContainerHttp,
  ContainerId,
  DockerEngine,
  EngineEndpoint,
  Errors,
  Freezer,
  FreezerConfig,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as CgroupFreezer from "@effect-whisk/docker/CgroupFreezer"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const target: Freezer.Target = { id: ContainerId.make("c1"), pid: 0 }

/** A runc that records each `list` it is asked and exits with the given code. */
const fakeRunc = (exitCode: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const directory = mkdtempSync(join(tmpdir(), "effect-whisk-fake-runc-"))
      const binary = join(directory, "runc")
      const asked = join(directory, "asked")
      writeFileSync(binary, `#!/bin/sh\necho "$@" >> '${asked}'\nexit ${exitCode}\n`)
      chmodSync(binary, 0o755)
      return { directory, binary, asked }
    }),
    ({ directory }) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
  )

const choice = (mode: Freezer.Mode, binary: string, engine: Partial<DockerEngine.Service> = {}) =>
  Effect.provide(
    FreezerChoice.make,
    Layer.mergeAll(
      WhiskConfig.layerWith({
        freezer: { mode, timeout: Duration.seconds(1), runc: { ...FreezerConfig.defaults.runc, binary, root: "/run/test-root" } }
      }),
      DockerEngine.layerTest(engine),
      Runc.layerTest()
    )
  )

describe("FreezerChoice", () => {
  it.scopedLive("auto without a usable cgroup picks runc when it answers, decides once, and says so", () =>
    Effect.gen(function*() {
      const runc = yield* fakeRunc(0)
      const layer = Layer.mergeAll(
        WhiskConfig.layerWith({
          freezer: {
            mode: "auto",
            timeout: Duration.seconds(1),
            runc: { ...FreezerConfig.defaults.runc, binary: runc.binary, root: "/run/test-root" }
          }
        }),
        DockerEngine.layerTest(),
        Runc.layerTest()
      )
      yield* Effect.gen(function*() {
        const freezer = yield* FreezerChoice.make
        assert.strictEqual(freezer.mode, "auto")
        assert.deepStrictEqual(yield* freezer.strategy, Option.none())
        // pid 0: no process, so no cgroup to write.
        yield* Effect.all([freezer.freeze(target), freezer.freeze(target)], { concurrency: 2 })
        yield* freezer.thaw(target)
        assert.deepStrictEqual(yield* freezer.strategy, Option.some("runc"))
        assert.deepStrictEqual(readFileSync(runc.asked, "utf8").trim().split("\n"), ["--root /run/test-root list --quiet"])
        const calls = yield* Runc.RuncCalls
        assert.deepStrictEqual([yield* calls.count("pause"), yield* calls.count("resume")], [2, 1])
      }).pipe(Effect.provide(layer))
    }))

  it.scopedLive("auto on Podman asks runc at Podman's state root, and freezes there, while Docker's default is configured", () =>
    Effect.gen(function*() {
      const runc = yield* fakeRunc(0)
      const id = ContainerId.make("ab".repeat(32))
      const freezer = yield* Effect.provide(
        FreezerChoice.make,
        Layer.mergeAll(
          WhiskConfig.layerWith({
            freezer: { mode: "auto", timeout: Duration.seconds(1), runc: { ...FreezerConfig.defaults.runc, binary: runc.binary } }
          }),
          DockerEngine.layerTest({ version: Effect.succeed({ version: "4.3.1", apiVersion: "1.41", flavor: "podman" }) }),
          Runc.layerTest()
        )
      )
      yield* freezer.freeze({ id, pid: 0 })
      yield* freezer.thaw({ id, pid: 0 })
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("runc"))
      assert.deepStrictEqual(readFileSync(runc.asked, "utf8").trim().split("\n"), [
        `--root ${FreezerConfig.podmanRuncRoot} list --quiet`,
        `--root ${FreezerConfig.podmanRuncRoot} pause ${id}`,
        `--root ${FreezerConfig.podmanRuncRoot} resume ${id}`
      ])
    }))

  it.scopedLive("auto falls back to the engine when runc does not answer", () =>
    Effect.gen(function*() {
      for (const binary of [(yield* fakeRunc(1)).binary, "/nonexistent/runc"]) {
        const freezer = yield* choice("auto", binary)
        yield* freezer.freeze(target)
        assert.deepStrictEqual(yield* freezer.strategy, Option.some("engine"))
      }
    }))

  it.scopedLive("a fixed mode uses its strategy from the start, without asking runc", () =>
    Effect.gen(function*() {
      const runc = yield* fakeRunc(0)
      for (const mode of ["cgroup", "runc", "engine"] as const) {
        const freezer = yield* choice(mode, runc.binary)
        assert.strictEqual(freezer.mode, mode)
        assert.deepStrictEqual(yield* freezer.strategy, Option.some(mode))
      }
      assert.isFalse(existsSync(runc.asked))
    }))

  it.scopedLive("auto for an engine that is not on this machine uses the engine's pause from the start, asking runc nothing", () =>
    Effect.gen(function*() {
      const runc = yield* fakeRunc(0)
      const remote = { endpoint: EngineEndpoint.fromDockerHost("tcp://10.0.0.5:2375") }
      const freezer = yield* choice("auto", runc.binary, remote)
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("engine"))
      yield* freezer.freeze({ id: ContainerId.make("c1"), pid: process.pid })
      yield* freezer.thaw({ id: ContainerId.make("c1"), pid: process.pid })
      assert.isFalse(existsSync(runc.asked))
    }))

  it.scopedLive("a forced cgroup or runc for an engine that is not on this machine is NotLocal, naming EFFECT_WHISK_FREEZER", () =>
    Effect.gen(function*() {
      const runc = yield* fakeRunc(0)
      const remote = { endpoint: EngineEndpoint.fromDockerHost("ssh://builder@engine.example") }
      for (const mode of ["cgroup", "runc"] as const) {
        const freezer = yield* choice(mode, runc.binary, remote)
        for (const operation of ["freeze", "thaw"] as const) {
          // This process's own pid: a pid from a remote engine's inspect may be any process here.
          const error = yield* Effect.flip(freezer[operation]({ id: ContainerId.make("c1"), pid: process.pid }))
          assert.deepInclude(error, { _tag: "FreezerError", reason: "NotLocal", strategy: mode, operation })
          assert.include(error.message, `EFFECT_WHISK_FREEZER=${mode}`)
          assert.include(error.message, "ssh://builder@engine.example")
          assert.include(error.message, "set EFFECT_WHISK_FREEZER=engine")
        }
      }
      assert.isFalse(existsSync(runc.asked))
    }))

  it.scopedLive("the cgroup strategy is not usable for a process whose cgroup does not name the container", () =>
    Effect.gen(function*() {
      const freezer = yield* Effect.provide(
        CgroupFreezer.make,
        WhiskConfig.layerWith({ freezer: { mode: "cgroup", timeout: Duration.seconds(1) } })
      )
      // This test's own process: its cgroup exists here but is no container's (as a VM's pid seen from its host).
      assert.isFalse(yield* freezer.usable({ id: ContainerId.make("0123456789abcdef"), pid: process.pid }))
    }))

  it.scopedLive("cgroup where no freezer hierarchy is mounted fails at first use, naming the variable to set", () =>
    Effect.gen(function*() {
      const freezer = yield* Effect.provide(
        CgroupFreezer.makeWith([]),
        WhiskConfig.layerWith({ freezer: { mode: "cgroup", timeout: Duration.seconds(1) } })
      )
      const error = yield* Effect.flip(freezer.freeze({ id: ContainerId.make("c1"), pid: process.pid }))
      assert.deepInclude(error, { _tag: "FreezerError", reason: "Unavailable" })
      assert.include(error.message, "set EFFECT_WHISK_FREEZER=runc or EFFECT_WHISK_FREEZER=engine")
      assert.isFalse(yield* freezer.usable({ id: ContainerId.make("c1"), pid: process.pid }))
    }))
})

describe("DockerContainer with a Freezer", () => {
  const services = (config: WhiskConfig.Overrides = {}, freezer: Partial<Freezer.Service> = {}) =>
    Layer.mergeAll(
      DockerEngine.layerTest(),
      Runc.layerTest(),
      ContainerHttp.layerTest(),
      Freezer.layerTest(freezer),
      WhiskConfig.layerWith(config)
    )

  it.effect("suspend and resume go through the Freezer with the container's id and init pid", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.suspend
      yield* container.resume
      const calls = yield* Freezer.FreezerCalls
      assert.deepStrictEqual(yield* calls.of("freeze"), [[{ id: "testId", pid: 0 }]])
      assert.deepStrictEqual(yield* calls.of("thaw"), [[{ id: "testId", pid: 0 }]])
      assert.strictEqual(yield* (yield* Runc.RuncCalls).count("pause"), 0)
    }).pipe(Effect.provide(services())))

  it.effect("destroy thaws a frozen container before removing it, once; a second destroy touches nothing", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      yield* container.suspend
      yield* container.destroy
      const again = yield* Effect.flip(container.destroy)
      assert.strictEqual(again._tag, "ContainerDestroyed")
      const freezer = yield* Freezer.FreezerCalls
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* freezer.count("thaw"), 1)
      assert.strictEqual(yield* engine.count("remove"), 1)
    }).pipe(Effect.provide(services())))

  it.effect("a freeze that failed still thaws before the removal", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false })
      const error = yield* Effect.flip(container.suspend)
      assert.strictEqual(error._tag, "FreezerError")
      yield* container.destroy
      assert.strictEqual(yield* (yield* Freezer.FreezerCalls).count("thaw"), 1)
    }).pipe(Effect.provide(services({}, {
      freeze: ({ id }) => Effect.fail(new Errors.FreezerError({ operation: "freeze", containerId: id, reason: "Timeout" }))
    }))))

  it.effect("a container created with useRunc false uses the engine's pause, not the Freezer", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.create({ image: "image", userProvided: false, useRunc: false })
      yield* container.suspend
      yield* container.resume
      assert.strictEqual(yield* (yield* Freezer.FreezerCalls).count("freeze"), 0)
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.deepStrictEqual([yield* engine.count("pause"), yield* engine.count("unpause")], [1, 1])
    }).pipe(Effect.provide(services())))
})
