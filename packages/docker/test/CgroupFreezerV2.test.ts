// The cgroup v2 freezer on a real cgroup2 group. The engine here runs on cgroup v1, but the kernel mounts cgroup2 in
// a private mount namespace: a holder process (`unshare -m`) mounts it and sleeps, and this process reaches the mount
// through /proc/<holder>/root. The test makes a group there, moves a ticking shell into it, and freezes and thaws it
// with CgroupFreezer's v2 code (cgroup.freeze, woken by cgroup.events' change notification).
import * as CgroupFreezer from "@effect-whisk/docker/CgroupFreezer"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option, Schedule } from "effect"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makesProgress, standsStill } from "./support/ticks.js"

const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const canMountCgroup2 = (() => {
  const directory = mkdtempSync(join(tmpdir(), "effect-whisk-cgroup2-probe-"))
  try {
    execFileSync("unshare", ["-m", "--propagation", "private", "sh", "-c", `mount -t cgroup2 none '${directory}'`], {
      stdio: "ignore"
    })
    return true
  } catch {
    return false
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
})()

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** A cgroup2 group in a private mount namespace with a shell in it that counts into a file every 50 ms. */
const tickingGroup = Effect.acquireRelease(
  Effect.gen(function*() {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-cgroup2-"))
    const group = `effect-whisk-test-${process.pid}-${randomBytes(4).toString("hex")}`
    const holder = spawn("unshare", [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount -t cgroup2 none '${directory}' && mkdir '${directory}/${group}' && echo ready && exec sleep 3600`
    ], { stdio: ["ignore", "pipe", "inherit"] })
    yield* Effect.async<void>((resume) => {
      holder.stdout!.once("data", () => resume(Effect.void))
    })
    const path = `/proc/${holder.pid}/root${directory}/${group}`
    const ticks = join(directory, "ticks")
    const ticker = spawn("sh", ["-c", `i=0; while :; do i=$((i+1)); echo $i > '${ticks}'; sleep 0.05; done`], {
      stdio: "ignore"
    })
    writeFileSync(join(path, "cgroup.procs"), String(ticker.pid))
    return { directory, group, holder, ticker, path, ticks }
  }),
  ({ directory, holder, path, ticker }) =>
    Effect.gen(function*() {
      writeFileSync(join(path, "cgroup.freeze"), "0")
      ticker.kill("SIGKILL")
      yield* exited(ticker)
      // The group can be removed once its last process is gone (a `sleep` of the shell's may outlive it briefly).
      yield* Effect.try(() => {
        for (const pid of readFileSync(join(path, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
          process.kill(Number(pid), "SIGKILL")
        }
        rmdirSync(path)
      }).pipe(Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 100 }), Effect.orDie)
      holder.kill("SIGKILL")
      yield* exited(holder)
      rmSync(directory, { recursive: true, force: true })
    })
)

const events = (path: string) => readFileSync(join(path, "cgroup.events"), "utf8")

const settle = (operation: "freeze" | "thaw", path: string) =>
  CgroupFreezer.settle(operation, id, { version: 2, path }, Duration.seconds(10))

// Skip reason: mounting cgroup2 in a mount namespace needs root (CAP_SYS_ADMIN); scripts/test.sh and CI run as root.
describe.skipIf(!canMountCgroup2)("CgroupFreezer on a real cgroup2 group", () => {
  it.scopedLive("freezes (frozen 1, no progress) and thaws (frozen 0, progress again); twice is a no-op", () =>
    Effect.gen(function*() {
      const { path, ticks } = yield* tickingGroup
      yield* makesProgress(ticks)

      yield* settle("freeze", path)
      assert.match(events(path), /^frozen 1$/m)
      yield* standsStill(ticks)
      yield* settle("freeze", path)
      assert.match(events(path), /^frozen 1$/m)

      yield* settle("thaw", path)
      assert.match(events(path), /^frozen 0$/m)
      yield* makesProgress(ticks)
      yield* settle("thaw", path)
      yield* makesProgress(ticks)
    }), 60_000)

  it.scopedLive("finds the group from the process's /proc/<pid>/cgroup on a cgroup2 mount", () =>
    Effect.gen(function*() {
      const { directory, group, holder, ticker } = yield* tickingGroup
      const mounts = CgroupFreezer.parseMountinfo(readFileSync(`/proc/${holder.pid}/mountinfo`, "utf8"))
      const cgroup2Only = mounts.filter((mount) => mount.fsType === "cgroup2" && mount.mountPoint === directory)
      const found = CgroupFreezer.locate(readFileSync(`/proc/${ticker.pid}/cgroup`, "utf8"), cgroup2Only)
      assert.deepStrictEqual(found, Option.some({ version: 2 as const, path: join(directory, group) }))
    }), 60_000)
})
