// Leftover removal by owner (B10, ownership instead of a shared prefix) over mock layers: which containers each
// selection takes, thaw then remove, failures reported, the time bound, and the layer that runs it at start and stop.
import { ContainerId, ContainerOwner, DockerEngine, Errors, FreezerConfig, Runc, WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import * as Cleanup from "../src/Cleanup.js"

// Far above any pid_max: no such process.
const deadPid = 99_999_999
const me = DockerEngine.testDefaults.owner

const summary = (
  n: number,
  owner: Partial<ContainerOwner.ContainerOwner> = {},
  state = "running"
): DockerEngine.ContainerSummary => ({
  id: ContainerId.make(String(n).repeat(64)),
  names: [`effect-whisk_${n}`],
  image: "image",
  state,
  labels: ContainerOwner.labels({ ...me, ...owner })
})

const mine = (n: number, state = "running") => summary(n, {}, state)
const otherLive = (n: number) => summary(n, { instance: "other", host: hostname(), pid: process.pid })
const orphan = (n: number) => summary(n, { instance: "gone", host: hostname(), pid: deadPid })
const otherHost = (n: number) => summary(n, { instance: "far", host: "another-host", pid: deadPid })

const services = (
  engine: Partial<DockerEngine.Service>,
  runc: Partial<Runc.Service> = {},
  config: WhiskConfig.Overrides = {}
) => Layer.mergeAll(DockerEngine.layerTest(engine), Runc.layerTest(runc), WhiskConfig.layerWith(config))

const removedIds = Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.of("remove")).pipe(
  Effect.map((calls) => calls.map(([id]) => id as string).sort())
)

const ids = (...containers: ReadonlyArray<DockerEngine.ContainerSummary>) => containers.map((c) => c.id as string).sort()

describe("Cleanup", () => {
  const everyone = [mine(1), mine(2), otherLive(3), orphan(4), otherHost(5)]

  it.effect("Mine: this owner instance's containers and this host's orphans, thawed with runc, then removed", () =>
    Effect.gen(function*() {
      const report = yield* Cleanup.removeLeftovers
      assert.deepStrictEqual(report, { found: 3, failures: [] })
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual([...(yield* runc.of("resume"))].map(([id]) => id as string).sort(), ids(mine(1), mine(2), orphan(4)))
      assert.deepStrictEqual(yield* removedIds, ids(mine(1), mine(2), orphan(4)))
    }).pipe(Effect.provide(services({ listOwned: Effect.succeed(everyone) }))))

  it.scopedLive("on Podman, with Docker's default runc root configured, runc thaws at Podman's root", () =>
    Effect.gen(function*() {
      const directory = mkdtempSync(join(tmpdir(), "effect-whisk-fake-runc-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(directory, { recursive: true, force: true })))
      const binary = join(directory, "runc")
      writeFileSync(binary, `#!/bin/sh\necho "$@" >> '${directory}/asked'\n`)
      chmodSync(binary, 0o755)
      const report = yield* Cleanup.removeLeftovers.pipe(Effect.provide(services(
        {
          listOwned: Effect.succeed([mine(1)]),
          version: Effect.succeed({ version: "4.3.1", apiVersion: "1.41", flavor: "podman" })
        },
        {},
        { freezer: { runc: { ...FreezerConfig.defaults.runc, binary } } }
      )))
      assert.deepStrictEqual(report, { found: 1, failures: [] })
      assert.strictEqual(readFileSync(join(directory, "asked"), "utf8").trim(), `--root ${FreezerConfig.podmanRuncRoot} resume ${mine(1).id}`)
    }))

  it.effect("Orphaned: only containers whose owner process is gone on this host", () =>
    Effect.gen(function*() {
      const report = yield* Cleanup.removeContainers("Orphaned")
      assert.strictEqual(report.found, 1)
      assert.deepStrictEqual(yield* removedIds, ids(orphan(4)))
    }).pipe(Effect.provide(services({ listOwned: Effect.succeed(everyone) }))))

  it.effect("All: every effect-whisk container, a running program's and another host's included", () =>
    Effect.gen(function*() {
      const incomplete = { ...summary(6), labels: { [ContainerOwner.labelKeys.instance]: "x" } }
      const report = yield* Cleanup.removeContainers("All")
      assert.strictEqual(report.found, 6)
      assert.deepStrictEqual(yield* removedIds, ids(...everyone, incomplete))
    }).pipe(Effect.provide(services({
      listOwned: Effect.succeed([...everyone, { ...summary(6), labels: { [ContainerOwner.labelKeys.instance]: "x" } }])
    }))))

  it("a process of this host is alive until it is gone", () => {
    assert.isTrue(Cleanup.processIsAlive(process.pid))
    assert.isFalse(Cleanup.processIsAlive(deadPid))
  })

  it.effect("with use-runc off, unpauses paused containers through the engine; a failed thaw does not stop the removal", () =>
    Effect.gen(function*() {
      yield* Cleanup.removeLeftovers
      const engine = yield* DockerEngine.DockerEngineCalls
      const runc = yield* Runc.RuncCalls
      assert.deepStrictEqual(yield* engine.of("unpause"), [[mine(2).id]])
      assert.strictEqual(yield* runc.count("resume"), 0)
      assert.strictEqual(yield* engine.count("remove"), 2)
    }).pipe(Effect.provide(services(
      {
        listOwned: Effect.succeed([mine(1), mine(2, "paused")]),
        unpause: () => Effect.fail(new Errors.DockerEngineError({ operation: "unpause", reason: "Conflict" }))
      },
      {},
      { freezer: { mode: "engine" } }
    ))))

  it.effect("a container that cannot be removed is reported; the others are still removed", () =>
    Effect.gen(function*() {
      const report = yield* Cleanup.removeLeftovers
      assert.strictEqual(report.found, 3)
      assert.strictEqual(report.failures.length, 1)
      assert.strictEqual(report.failures[0]?.target, mine(2).id)
      const engine = yield* DockerEngine.DockerEngineCalls
      assert.strictEqual(yield* engine.count("remove"), 3)
    }).pipe(Effect.provide(services({
      listOwned: Effect.succeed([mine(1), mine(2), mine(3)]),
      remove: (id) =>
        id === mine(2).id
          ? Effect.fail(new Errors.DockerEngineError({ operation: "remove", target: id, reason: "ServerError" }))
          : Effect.void
    }))))

  it.effect("a failed listing fails the cleanup", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Cleanup.removeLeftovers)
      assert.strictEqual(error.reason, "Unavailable")
    }).pipe(Effect.provide(services({
      listOwned: Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Unavailable" }))
    }))))

  it.effect("the whole cleanup is bounded by cleanupTimeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Cleanup.removeLeftovers)
      yield* TestClock.adjust("31 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.deepInclude(error, { operation: "removeLeftovers", reason: "Timeout" })
    }).pipe(Effect.provide(services({ listOwned: Effect.succeed([mine(1)]), remove: () => Effect.never }))))

  it.effect("the layer removes leftovers when it is built and again when it is released", () =>
    Effect.gen(function*() {
      const lists = yield* Ref.make(0)
      const listOwned = Effect.as(Ref.update(lists, (n) => n + 1), [mine(1)])
      const base = services({ listOwned }, {}, { engine: { cleanupTimeout: Duration.seconds(5) } })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(Cleanup.layer.pipe(Layer.provide(base)))
        assert.strictEqual(yield* Ref.get(lists), 1)
      }))
      assert.strictEqual(yield* Ref.get(lists), 2)
    }))

  it.effect("a failure at release is logged, not raised; a failure at build fails the layer", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const listOwned = Effect.flatMap(Ref.updateAndGet(calls, (n) => n + 1), (n) =>
        n === 1 ? Effect.succeed([]) : Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Timeout" })))
      yield* Effect.scoped(Layer.build(Cleanup.layer.pipe(Layer.provide(services({ listOwned })))))
      assert.strictEqual(yield* Ref.get(calls), 2)

      const failing = services({ listOwned: Effect.fail(new Errors.DockerEngineError({ operation: "list", reason: "Unavailable" })) })
      const error = yield* Effect.flip(Effect.scoped(Layer.build(Cleanup.layer.pipe(Layer.provide(failing)))))
      assert.strictEqual(error.reason, "Unavailable")
    }))
})
