// `effect-whisk cleanup` over mock layers: by default only the containers whose owner process is gone on this host;
// with --all every effect-whisk container, and it says so.
import { ContainerId, ContainerOwner, DockerEngine } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { hostname } from "node:os"
import { layers, runCli } from "./support/mockWhisk.js"

const container = (n: number, owner: ContainerOwner.ContainerOwner): DockerEngine.ContainerSummary => ({
  id: ContainerId.make(String(n).repeat(64)),
  names: [`effect-whisk_${n}`],
  image: "image",
  state: "running",
  labels: ContainerOwner.labels(owner)
})

const running = container(1, { instance: "running", host: hostname(), pid: process.pid })
// A pid far above any pid_max: that process is gone.
const orphan = container(2, { instance: "gone", host: hostname(), pid: 99_999_999 })
const elsewhere = container(3, { instance: "far", host: "another-host", pid: 99_999_999 })

const engine = { listOwned: Effect.succeed([running, orphan, elsewhere]) }

const removed = Effect.flatMap(DockerEngine.DockerEngineCalls, (calls) => calls.of("remove")).pipe(
  Effect.map((calls) => calls.map(([id]) => id))
)

describe("effect-whisk cleanup", () => {
  it.live("removes only the containers whose owner process is gone on this host", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("cleanup")
      assert.strictEqual(status, 0)
      assert.include(stdout, "removed 1 of 1 container whose owner process is gone\n")
      assert.deepStrictEqual(yield* removed, [orphan.id])
    }).pipe(Effect.provide(layers({ engine }))))

  it.live("--all removes every effect-whisk container and says so", () =>
    Effect.gen(function*() {
      const { status, stderr, stdout } = yield* runCli("cleanup", "--all")
      assert.strictEqual(status, 0)
      assert.include(stderr, "removing every effect-whisk container, running programs' too")
      assert.include(stdout, "removed 3 of 3 effect-whisk containers\n")
      assert.sameMembers([...(yield* removed)], [running.id, orphan.id, elsewhere.id])
    }).pipe(Effect.provide(layers({ engine }))))
})
