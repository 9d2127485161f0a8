// The pool on the real engine, through the live layers (WhiskLive) and the runtime image: warm reuse, a prewarm used
// and replaced, the pause grace freezing a container and the next activation resuming it, a prewarm killed behind the
// pool's back found by the health check and replaced, closing the pool removing every container, and 200 mixed
// activations over eight actions on a budget of four containers. No skip: CI brings up the engine, and the image is
// built here only when it is missing or out of date. A container name prefix of this file's own (and of this
// process), so that another test's cleanup never removes these containers, nor this file's.
import { ByteSize, FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import { WhiskLive } from "@effect-whisk/docker"
import { type Action, ContainerPool, PoolMetrics } from "@effect-whisk/pool"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Effect, Exit, Metric, Schedule, Scope } from "effect"
import { execFileSync } from "node:child_process"
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"
import { beforeAll } from "vitest"

const prefix = `ewit-pool-${process.pid}`

/** runc as the engine uses it: from PATH, else the sbin directories a non-login shell may lack. */
const runcBinary = (): string => {
  for (const directory of [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"]) {
    try {
      accessSync(join(directory, "runc"), constants.X_OK)
      return join(directory, "runc")
    } catch {
      continue
    }
  }
  return "runc"
}

const live = WhiskLive.layerWithConfig(
  WhiskConfig.layerWith({
    container: { namePrefix: prefix },
    freezer: { runc: { ...FreezerConfig.defaults.runc, binary: runcBinary() } }
  })
)

/** This file's containers on the engine now (the docker CLI in tests only). */
const engineContainers = () =>
  execFileSync("docker", ["ps", "-aq", "--filter", `name=^/?${prefix}_`], { encoding: "utf8" }).trim().split("\n")
    .filter((id) => id.length > 0)

beforeAll(() => ensureRuntimeImage(), 600_000)

const action = (name: string, memory = 128): Action.Action => ({
  name,
  image: imageTag,
  memory: ByteSize.megabytes(memory),
  timeout: "20 seconds",
  code: `function main(params) { console.log("${name} got " + params.n); return { action: "${name}", n: params.n } }`
})

/** A pool in a Scope of the test's own, closed before the live layers (whose cleanup would hide a leftover). */
const withPool = <A, E>(
  config: ContainerPool.Overrides,
  use: (pool: ContainerPool.Service) => Effect.Effect<A, E>,
  layer = live
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const pool = yield* ContainerPool.make(config).pipe(Scope.extend(scope))
    const result = yield* use(pool).pipe(Effect.onExit((exit) => Scope.close(scope, exit)))
    assert.deepStrictEqual(engineContainers(), [], "the pool left containers behind")
    return result
  }).pipe(Effect.provide(layer))

/**
 * A network of this file's own for the health check's test: on the default bridge, the address of a killed container
 * is soon given to another test's new container, which may well listen on 8080 and so pass the probe.
 */
const healthNetwork = `${prefix}-health`

const onHealthNetwork = WhiskLive.layerWithConfig(
  WhiskConfig.layerWith({
    container: { namePrefix: prefix, network: healthNetwork },
    freezer: { runc: { ...FreezerConfig.defaults.runc, binary: runcBinary() } }
  })
)

const withNetwork = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => execFileSync("docker", ["network", "create", healthNetwork], { stdio: "ignore" })),
    () => self,
    () => Effect.sync(() => execFileSync("docker", ["network", "rm", healthNetwork], { stdio: "ignore" }))
  )

describe("ContainerPool on the real engine", () => {
  it.live("a warm activation hits the same container; a prewarm is used and replaced", () =>
    withPool({ stemCells: [{ image: imageTag, memory: ByteSize.megabytes(128), initialCount: 1 }] }, (pool) =>
      Effect.gen(function*() {
        const hasPrewarm = Effect.flatMap(pool.snapshot, (snapshot) =>
          snapshot.containers.some((info) => info.state === "Prewarmed") ? Effect.void : Effect.fail("starting"))
        yield* Effect.retry(hasPrewarm, Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds")))
        const [prewarm] = (yield* pool.snapshot).containers
        const hello = action("hello")
        const first = yield* pool.invoke(hello, { n: 1 })
        assert.strictEqual(first.start, "Prewarmed")
        assert.strictEqual(first.containerId, prewarm!.containerId)
        assert.deepStrictEqual(first.response.result, { action: "hello", n: 1 })
        assert.match(first.logs[0]!, /stdout: hello got 1$/)
        const second = yield* pool.invoke(hello, { n: 2 })
        assert.strictEqual(second.start, "Warm")
        assert.strictEqual(second.containerId, first.containerId)
        assert.deepStrictEqual(second.response.result, { action: "hello", n: 2 })
        assert.match(second.logs[0]!, /stdout: hello got 2$/)
        // The replacement: another stem cell, started after the first was taken.
        yield* Effect.retry(hasPrewarm, Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds")))
        const replacement = (yield* pool.snapshot).containers.find((info) => info.state === "Prewarmed")
        assert.notStrictEqual(replacement!.containerId, first.containerId)
        // A cold start of another image memory: a new container.
        const cold = yield* pool.invoke(action("other", 256), { n: 3 })
        assert.strictEqual(cold.start, "Cold")
        assert.isDefined(cold.timings.create)
      })), 120_000)

  it.live("the pause grace freezes an idle container and the next activation resumes it", () =>
    withPool({ pauseGrace: "300 millis" }, (pool) =>
      Effect.gen(function*() {
        const hello = action("paused")
        const first = yield* pool.invoke(hello, { n: 1 })
        const suspended = Effect.flatMap(pool.snapshot, (snapshot) =>
          snapshot.containers[0]?.suspended === true ? Effect.void : Effect.fail("running"))
        yield* Effect.retry(suspended, Schedule.spaced("100 millis").pipe(Schedule.upTo("20 seconds")))
        const second = yield* pool.invoke(hello, { n: 2 })
        assert.strictEqual(second.start, "Warm")
        assert.strictEqual(second.containerId, first.containerId)
        assert.isDefined(second.timings.resume)
        assert.deepStrictEqual(second.response.result, { action: "paused", n: 2 })
        assert.match(second.logs[0]!, /stdout: paused got 2$/)
      })), 120_000)

  it.live("200 mixed activations over eight actions with a budget of four containers give the right results and logs", () =>
    withPool({ userMemory: ByteSize.megabytes(512) }, (pool) =>
      Effect.gen(function*() {
        // Three hot actions take 19 activations in 20, five rare ones the rest, in turn: the hot ones stay warm, each
        // rare one evicts (a cold start costs most of this test's time, so there are about a dozen).
        const actions = Array.from({ length: 8 }, (_, k) => action(`m${k}`))
        const which = (n: number) => n % 20 === 19 ? 3 + Math.floor(n / 20) % 5 : n % 3
        const records = yield* Effect.forEach(
          Array.from({ length: 200 }, (_, n) => n),
          (n) => pool.invoke(actions[which(n)]!, { n }),
          { concurrency: 4 }
        )
        const served = new Map<string, Set<string>>()
        records.forEach((record, n) => {
          assert.isTrue(record.response.isSuccess, JSON.stringify(record.response))
          assert.deepStrictEqual(record.response.result, { action: `m${which(n)}`, n })
          assert.deepStrictEqual(record.logs.length, 1)
          assert.match(record.logs[0]!, new RegExp(`stdout: m${which(n)} got ${n}$`))
          served.set(record.containerId!, (served.get(record.containerId!) ?? new Set()).add(record.action))
        })
        // No container served two actions; the budget held; most activations found their container warm.
        for (const names of served.values()) assert.strictEqual(names.size, 1)
        const snapshot = yield* pool.snapshot
        assert.isAtMost(snapshot.memoryInUse.bytes, ByteSize.megabytes(512).bytes)
        assert.isAtMost(snapshot.containers.length, 4)
        const warm = records.filter((record) => record.start === "Warm").length
        assert.isAbove(warm, 150, `only ${warm} of 200 activations were warm`)
      })), 300_000)

  it.live("PX32: a prewarm whose process the engine killed fails its health probes, is removed and replaced", () =>
    withPool({
      stemCells: [{ image: imageTag, memory: ByteSize.megabytes(128), initialCount: 1 }],
      // Two seconds: a new prewarm whose runtime is slow to listen on a busy machine must not fail three probes.
      healthCheck: { enabled: true, period: "2 seconds" }
    }, (pool) =>
      Effect.gen(function*() {
        const removedForHealth = Effect.map(
          Metric.value(PoolMetrics.removals.pipe(Metric.tagged("reason", "HealthCheck"))),
          (state) => state.count
        )
        const removedBefore = yield* removedForHealth
        const prewarm = (other?: string) =>
          Effect.flatMap(pool.snapshot, (snapshot) => {
            const found = snapshot.containers.find((info) => info.state === "Prewarmed" && info.containerId !== other)
            return found === undefined ? Effect.fail("starting") : Effect.succeed(found.containerId!)
          }).pipe(Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))))
        const first = yield* prewarm()
        // Only this pool's own container: its process dies, the engine keeps the stopped container.
        yield* Effect.promise(() => new Docker().getContainer(first).kill())
        const replacement = yield* prewarm(first)
        assert.strictEqual((yield* removedForHealth) - removedBefore, 1)
        assert.isFalse(engineContainers().some((id) => first.startsWith(id)), "the killed prewarm is still on the engine")
        const record = yield* pool.invoke(action("after-kill"), { n: 1 })
        assert.strictEqual(record.start, "Prewarmed")
        assert.strictEqual(record.containerId, replacement)
        assert.deepStrictEqual(record.response.result, { action: "after-kill", n: 1 })
      }), onHealthNetwork).pipe(withNetwork), 120_000)

  it.live("closing the pool while activations run removes every container", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const pool = yield* ContainerPool.make({ userMemory: ByteSize.megabytes(512) }).pipe(Scope.extend(scope))
      yield* pool.invoke(action("idle"), { n: 0 })
      const running = yield* Effect.fork(pool.invoke(action("busy"), { n: 1 }))
      yield* Effect.sleep("200 millis")
      yield* Scope.close(scope, Exit.void)
      yield* running.await
      assert.deepStrictEqual(engineContainers(), [])
    }).pipe(Effect.provide(live)), 120_000)
})
