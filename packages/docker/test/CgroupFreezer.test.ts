// The cgroup strategy without an engine: finding the container's cgroup from /proc/<pid>/cgroup and the mount table
// (fixtures of the cgroupfs and systemd drivers on cgroup v1, v2 and hybrid machines), and freezing a fake cgroup
// directory of each version, where the test plays the kernel. The same code on a real cgroup2 group is in
// CgroupFreezerV2.test.ts, and on the engine's containers in Freezer.integration.test.ts.
import { ContainerId, WhiskConfig } from "@effect-whisk/core"
import * as CgroupFreezer from "@effect-whisk/docker/CgroupFreezer"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const id = "3b673928957142584aca5b28bd345634656bb25451670cba6b954ca8a716e5e4"

// Abridged /proc/self/mountinfo of the machines the fixtures describe.
const v1Mounts = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"
].join("\n")
const v2Mounts = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate"
// Inside a container with the host's hierarchy bind-mounted from its own group: the mount's root is not "/".
const nestedMounts = "50 40 0:34 /docker/outer /sys/fs/cgroup/freezer ro,relatime - cgroup cgroup rw,freezer"
const escapedMounts = "60 40 0:26 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw"

const procCgroup = {
  v1Cgroupfs: `6:freezer:/docker/${id}\n4:memory:/docker/${id}\n0::/docker/${id}\n`,
  v1Systemd: `10:freezer:/system.slice/docker-${id}.scope\n1:name=systemd:/system.slice/docker-${id}.scope\n`,
  v2Systemd: `0::/system.slice/docker-${id}.scope\n`,
  v2Cgroupfs: `0::/docker/${id}\n`,
  combinedControllers: `6:cpu,freezer:/docker/${id}\n`
}

const locate = (proc: string, mounts: string) =>
  Option.getOrUndefined(CgroupFreezer.locate(proc, CgroupFreezer.parseMountinfo(mounts)))

describe("CgroupFreezer: finding the container's cgroup", () => {
  it("cgroup v1, cgroupfs driver: the freezer hierarchy's group", () => {
    assert.deepStrictEqual(locate(procCgroup.v1Cgroupfs, v1Mounts), { version: 1, path: `/sys/fs/cgroup/freezer/docker/${id}` })
  })

  it("cgroup v1, systemd driver: the scope under system.slice", () => {
    assert.deepStrictEqual(locate(procCgroup.v1Systemd, v1Mounts), {
      version: 1,
      path: `/sys/fs/cgroup/freezer/system.slice/docker-${id}.scope`
    })
  })

  it("a freezer hierarchy shared with other controllers", () => {
    const mounts = "37 31 0:34 / /sys/fs/cgroup/cpu,freezer rw - cgroup cgroup rw,cpu,freezer"
    assert.deepStrictEqual(locate(procCgroup.combinedControllers, mounts), {
      version: 1,
      path: `/sys/fs/cgroup/cpu,freezer/docker/${id}`
    })
  })

  it("cgroup v2, systemd and cgroupfs drivers: the unified hierarchy's group", () => {
    assert.deepStrictEqual(locate(procCgroup.v2Systemd, v2Mounts), {
      version: 2,
      path: `/sys/fs/cgroup/system.slice/docker-${id}.scope`
    })
    assert.deepStrictEqual(locate(procCgroup.v2Cgroupfs, v2Mounts), { version: 2, path: `/sys/fs/cgroup/docker/${id}` })
  })

  it("a hybrid machine (v1 controllers and cgroup2 mounted) uses the v1 freezer, as runc and the engine do", () => {
    assert.strictEqual(locate(procCgroup.v1Cgroupfs, v1Mounts)?.version, 1)
  })

  it("a process in a v1 hierarchy that is not mounted here falls back to v2", () => {
    assert.deepStrictEqual(locate(procCgroup.v1Cgroupfs, v2Mounts), { version: 2, path: `/sys/fs/cgroup/docker/${id}` })
  })

  it("a hierarchy mounted from a group: paths below the mount's root only", () => {
    assert.deepStrictEqual(locate(`6:freezer:/docker/outer/${id}\n`, nestedMounts), {
      version: 1,
      path: `/sys/fs/cgroup/freezer/${id}`
    })
    assert.isUndefined(locate(`6:freezer:/docker/other/${id}\n`, nestedMounts))
  })

  it("mount points with escaped characters", () => {
    assert.deepStrictEqual(locate(procCgroup.v2Cgroupfs, escapedMounts), { version: 2, path: `/mnt/my cgroups/docker/${id}` })
  })

  it("none when no freezer hierarchy holds the process, or the text is not a cgroup file", () => {
    assert.isUndefined(locate(procCgroup.v2Cgroupfs, "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory"))
    assert.isUndefined(locate("", v1Mounts))
    assert.isUndefined(locate("garbage\n:::\n", v1Mounts))
    assert.deepStrictEqual(CgroupFreezer.parseMountinfo("short line\n\n"), [])
  })
})

const fakeGroup = (version: 1 | 2) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const path = mkdtempSync(join(tmpdir(), `effect-whisk-cgroup-v${version}-`))
      if (version === 1) writeFileSync(join(path, "freezer.state"), "THAWED\n")
      else {
        writeFileSync(join(path, "cgroup.freeze"), "0\n")
        writeFileSync(join(path, "cgroup.events"), "populated 1\nfrozen 0\n")
      }
      return { version, path } as const
    }),
    ({ path }) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
  )

const settle = (
  operation: "freeze" | "thaw",
  directory: CgroupFreezer.CgroupDirectory,
  timeout: Duration.DurationInput = "5 seconds"
) =>
  CgroupFreezer.settle(operation, id, directory, Duration.decode(timeout))

describe("CgroupFreezer: freezing a cgroup directory", () => {
  it.scopedLive("v1 writes FROZEN and THAWED and returns once freezer.state reads back so", () =>
    Effect.gen(function*() {
      const group = yield* fakeGroup(1)
      yield* settle("freeze", group)
      assert.strictEqual(readFileSync(join(group.path, "freezer.state"), "utf8"), "FROZEN")
      yield* settle("thaw", group)
      assert.strictEqual(readFileSync(join(group.path, "freezer.state"), "utf8"), "THAWED")
    }))

  it.scopedLive("v2 writes cgroup.freeze and waits for the change notification of cgroup.events", () =>
    Effect.gen(function*() {
      const group = yield* fakeGroup(2)
      const freezing = yield* Effect.fork(settle("freeze", group))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(readFileSync(join(group.path, "cgroup.freeze"), "utf8"), "1")
      assert.isUndefined(freezing.unsafePoll() ?? undefined, "returned before the kernel reported frozen")
      writeFileSync(join(group.path, "cgroup.events"), "populated 1\nfrozen 1\n")
      yield* Fiber.join(freezing)

      const thawing = yield* Effect.fork(settle("thaw", group))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(readFileSync(join(group.path, "cgroup.freeze"), "utf8"), "0")
      writeFileSync(join(group.path, "cgroup.events"), "populated 1\nfrozen 0\n")
      yield* Fiber.join(thawing)
    }))

  it.scopedLive("v2 freezing a frozen group returns at once", () =>
    Effect.gen(function*() {
      const group = yield* fakeGroup(2)
      writeFileSync(join(group.path, "cgroup.events"), "populated 1\nfrozen 1\n")
      yield* settle("freeze", group, "1 second")
    }))

  it.scopedLive("a freeze the kernel never reports is a Timeout naming the variable, and the group is thawed again", () =>
    Effect.gen(function*() {
      const group = yield* fakeGroup(2)
      const error = yield* Effect.flip(settle("freeze", group, "300 millis"))
      assert.deepInclude(error, { _tag: "FreezerError", reason: "Timeout", operation: "freeze" })
      assert.include(error.message, "EFFECT_WHISK_FREEZER_TIMEOUT")
      assert.strictEqual(readFileSync(join(group.path, "cgroup.freeze"), "utf8"), "0")
    }))

  it.scopedLive("an interrupted wait stops waiting", () =>
    Effect.gen(function*() {
      const group = yield* fakeGroup(2)
      const freezing = yield* Effect.fork(settle("freeze", group, "1 minute"))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(freezing)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(freezing)))
    }))

  it.scopedLive("a group that is gone is NotFound; a file that cannot be written is WriteFailed", () =>
    Effect.gen(function*() {
      const gone = yield* Effect.flip(settle("thaw", { version: 1, path: "/nonexistent/cgroup" }))
      assert.deepInclude(gone, { reason: "NotFound", operation: "thaw" })
      const group = yield* fakeGroup(1)
      rmSync(join(group.path, "freezer.state"))
      mkdirSync(join(group.path, "freezer.state"))
      const refused = yield* Effect.flip(settle("freeze", group))
      assert.strictEqual(refused.reason, "WriteFailed")
    }))
})

describe("CgroupFreezer: the service", () => {
  const service = Effect.provide(
    CgroupFreezer.make,
    WhiskConfig.layerWith({ freezer: { mode: "cgroup", timeout: Duration.seconds(1) } })
  )

  it.effect("a container without a process, or whose process is gone, is NotFound", () =>
    Effect.gen(function*() {
      const freezer = yield* service
      for (const pid of [0, 2 ** 22 + 1]) {
        const error = yield* Effect.flip(freezer.freeze({ id: ContainerId.make(id), pid }))
        assert.deepInclude(error, { _tag: "FreezerError", reason: "NotFound" })
      }
    }))

  it.effect("finds this process's own freezer cgroup, and says cgroup", () =>
    Effect.gen(function*() {
      const freezer = yield* service
      const found = yield* freezer.directory({ id: ContainerId.make(id), pid: process.pid }, "freeze")
      assert.include([1, 2], found.version)
      assert.isTrue(found.path.startsWith("/"))
      assert.deepStrictEqual(yield* freezer.strategy, Option.some("cgroup"))
    }))

  it.effect("finds a target's directory once: the same target keeps it, a new target looks again", () =>
    Effect.gen(function*() {
      const freezer = yield* service
      const target: { id: ContainerId.ContainerId; pid: number } = { id: ContainerId.make(id), pid: process.pid }
      const found = yield* freezer.directory(target, "freeze")
      // The same target (a container keeps one for its life) is not looked up again, even by a pid that has none.
      target.pid = 0
      assert.deepStrictEqual(yield* freezer.directory(target, "freeze"), found)
      const error = yield* Effect.flip(freezer.directory({ id: ContainerId.make(id), pid: 0 }, "freeze"))
      assert.strictEqual(error.reason, "NotFound")
    }))
})
