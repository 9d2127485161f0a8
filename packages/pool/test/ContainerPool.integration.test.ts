// The pool on the real engine, through the live layers (WhiskLive) and the runtime image: warm reuse, a prewarm used
// and replaced, the pause grace freezing a container and the next activation resuming it, closing the pool removing
// every container, and mixed activations over a small budget. No skip: CI brings up the engine, and the image is
// built here only when it is missing or out of date. A container name prefix of this file's own (and of this
// process), so that another test's cleanup never removes these containers, nor this file's theirs.
import { ByteSize, FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import { WhiskLive } from "@effect-whisk/docker"
import { type Action, ContainerPool } from "@effect-whisk/pool"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
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
  config: Partial<ContainerPool.Config>,
  use: (pool: ContainerPool.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const pool = yield* ContainerPool.make(config).pipe(Scope.extend(scope))
    const result = yield* use(pool).pipe(Effect.onExit((exit) => Scope.close(scope, exit)))
    assert.deepStrictEqual(engineContainers(), [], "the pool left containers behind")
    return result
  }).pipe(Effect.provide(live))

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

  it.live("mixed activations over four actions with a budget of two containers give the right results and logs", () =>
    withPool({ userMemory: ByteSize.megabytes(256) }, (pool) =>
      Effect.gen(function*() {
        // Bursts of one action, overlapping at their edges, so that some containers are reused and some evicted.
        const actions = ["m0", "m1", "m2", "m3"].map((name) => action(name))
        const which = (n: number) => Math.floor(n / 6) % 4
        const records = yield* Effect.forEach(
          Array.from({ length: 24 }, (_, n) => n),
          (n) => pool.invoke(actions[which(n)]!, { n }),
          { concurrency: 4 }
        )
        records.forEach((record, n) => {
          assert.isTrue(record.response.isSuccess, JSON.stringify(record.response))
          assert.deepStrictEqual(record.response.result, { action: `m${which(n)}`, n })
          assert.deepStrictEqual(record.logs.length, 1)
          assert.match(record.logs[0]!, new RegExp(`stdout: m${which(n)} got ${n}$`))
        })
        assert.isAtMost((yield* pool.snapshot).memoryInUse.bytes, ByteSize.megabytes(256).bytes)
        assert.isTrue(records.some((record) => record.start === "Warm"))
      })), 180_000)

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
