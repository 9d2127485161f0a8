// The live Runc over a stand-in runc (a shell script that records its arguments): OpenWhisk's RuncClientTests
// T47–T50 (the command line, success, failure) plus the id check, timeouts that kill the process, and interruption.
import { ContainerId, FreezerConfig, Runc } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Schedule } from "effect"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as RuncCommand from "../src/RuncCommand.js"
import * as NodeContext from "@effect/platform-node/NodeContext"

const id = ContainerId.make("55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52")

interface FakeRunc {
  readonly binary: string
  readonly argsFile: string
  readonly pidFile: string
}

// The script's behaviour is chosen by the file it is told to read: exit code, stderr text, or a long sleep.
const fakeRunc = (script: string) =>
  Effect.acquireRelease(
    Effect.sync((): FakeRunc & { readonly directory: string } => {
      const directory = mkdtempSync(join(tmpdir(), "effect-whisk-fake-runc-"))
      const binary = join(directory, "runc")
      const argsFile = join(directory, "args")
      const pidFile = join(directory, "pid")
      writeFileSync(binary, `#!/bin/sh\necho "$$" > '${pidFile}'\necho "$@" > '${argsFile}'\n${script}\n`)
      chmodSync(binary, 0o755)
      return { directory, binary, argsFile, pidFile }
    }),
    ({ directory }) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
  )

const runcWith = (fake: { readonly binary: string }, timeout: Duration.DurationInput = "5 seconds") =>
  Effect.provide(
    RuncCommand.make,
    Layer.mergeAll(
      FreezerConfig.layerWith({
        runc: {
          binary: fake.binary,
          root: "/run/test-root",
          timeouts: { pause: Duration.decode(timeout), resume: Duration.decode(timeout) }
        }
      }),
      NodeContext.layer
    )
  )

// A killed process whose parent died first stays a zombie until init reaps it: it is gone all the same.
const isZombie = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false
  } catch {
    return false
  }
}

const processGone = (pidFile: string) =>
  Effect.suspend(() => {
    const pid = Number(readFileSync(pidFile, "utf8").trim())
    try {
      process.kill(pid, 0)
      return isZombie(pid) ? Effect.void : Effect.fail("still running")
    } catch {
      return Effect.void
    }
  }).pipe(Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 100 }))

describe("RuncCommand", () => {
  it.scopedLive("T47 pauses with <binary> --root <root> pause <id>", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("exit 0")
      const runc: Runc.Service = yield* runcWith(fake)
      yield* runc.pause(id)
      assert.strictEqual(readFileSync(fake.argsFile, "utf8").trim(), `--root /run/test-root pause ${id}`)
    }))

  it.scopedLive("T49 resumes with <binary> --root <root> resume <id>", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("exit 0")
      const runc = yield* runcWith(fake)
      yield* runc.resume(id)
      assert.strictEqual(readFileSync(fake.argsFile, "utf8").trim(), `--root /run/test-root resume ${id}`)
    }))

  it.scopedLive("pauses again when a busy cgroup v1 freezer makes runc give up", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("")
      const attempts = join(fake.binary, "..", "attempts")
      writeFileSync(
        fake.binary,
        `#!/bin/sh\necho x >> '${attempts}'\n[ "$(wc -l < '${attempts}')" -ge 3 ] && exit 0\n` +
          `echo 'container_linux.go: pausing container caused: unable to freeze' >&2\nexit 1\n`
      )
      const runc = yield* runcWith(fake)
      yield* runc.pause(id)
      assert.strictEqual(readFileSync(attempts, "utf8").trim().split("\n").length, 3)
    }))

  it.scopedLive("the timeout covers the retries of a busy freezer, not each attempt", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("")
      writeFileSync(fake.binary, `#!/bin/sh\nsleep 0.2\necho 'unable to freeze' >&2\nexit 1\n`)
      const runc = yield* runcWith(fake, "500 millis")
      const error = yield* Effect.flip(runc.pause(id))
      assert.strictEqual(error.reason, "Timeout")
    }))

  it.scopedLive("does not retry other failures", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("")
      const attempts = join(fake.binary, "..", "attempts")
      writeFileSync(fake.binary, `#!/bin/sh\necho x >> '${attempts}'\necho 'container does not exist' >&2\nexit 1\n`)
      const runc = yield* runcWith(fake)
      const error = yield* Effect.flip(runc.pause(id))
      assert.strictEqual(error.reason, "NonZeroExit")
      assert.strictEqual(readFileSync(attempts, "utf8").trim().split("\n").length, 1)
    }))

  it.scopedLive("T48/T50 a non-zero exit is a RuncError with the exit code and stderr", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("echo 'container not running' >&2; exit 3")
      const runc = yield* runcWith(fake)
      for (const [operation, call] of [["pause", runc.pause(id)], ["resume", runc.resume(id)]] as const) {
        const error = yield* Effect.flip(call)
        assert.deepInclude(error, { operation, containerId: id, reason: "NonZeroExit", exitCode: 3 })
        assert.include(error.message, "container not running")
      }
    }))

  it.scopedLive("refuses an id that is not a full engine id before any process starts", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("exit 0")
      const runc = yield* runcWith(fake)
      for (const bad of ["", "abc", "1".repeat(63), "1".repeat(65), `${"1".repeat(63)}x`, "--help", `${id}; rm -rf /`]) {
        // A cast: ContainerId.make refuses most of these itself; runc must refuse whatever reaches it.
        const error = yield* Effect.flip(runc.pause(bad as ContainerId.ContainerId))
        assert.strictEqual(error.reason, "InvalidId")
        assert.include(error.message, "Does not comply with Docker container ID format")
      }
      assert.isFalse(existsSync(fake.argsFile))
    }))

  it.scopedLive("a command that does not finish in time is a Timeout, and the process is killed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("trap '' TERM; sleep 30")
      const runc = yield* runcWith(fake, "300 millis")
      const error = yield* Effect.flip(runc.pause(id))
      assert.deepInclude(error, { operation: "pause", reason: "Timeout" })
      yield* processGone(fake.pidFile)
    }))

  it.scopedLive("a command that times out is killed with the processes it started", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("")
      const childPidFile = join(fake.binary, "..", "child")
      writeFileSync(fake.binary, `#!/bin/sh\nsleep 30 &\necho "$!" > '${childPidFile}'\nwait\n`)
      const runc = yield* runcWith(fake, "300 millis")
      const error = yield* Effect.flip(runc.resume(id))
      assert.strictEqual(error.reason, "Timeout")
      yield* processGone(childPidFile)
    }))

  it.scopedLive("a command that exits while what it started holds its stderr open is killed with it at the timeout", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("")
      const childPidFile = join(fake.binary, "..", "child")
      writeFileSync(fake.binary, `#!/bin/sh\nsleep 30 &\necho "$!" > '${childPidFile}'\nexit 0\n`)
      const runc = yield* runcWith(fake, "300 millis")
      const error = yield* Effect.flip(runc.resume(id))
      assert.strictEqual(error.reason, "Timeout")
      yield* processGone(childPidFile)
    }))

  it.scopedLive("an interrupted command is killed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeRunc("sleep 30")
      const runc = yield* runcWith(fake)
      const fiber = yield* Effect.fork(runc.resume(id))
      yield* Effect.suspend(() => existsSync(fake.pidFile) ? Effect.void : Effect.fail("not started")).pipe(
        Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 100 })
      )
      yield* Fiber.interrupt(fiber)
      yield* processGone(fake.pidFile)
    }))

  it.scopedLive("a binary that cannot be started is SpawnFailed", () =>
    Effect.gen(function*() {
      const runc = yield* runcWith({ binary: "/nonexistent/runc" })
      const error = yield* Effect.flip(runc.pause(id))
      assert.deepInclude(error, { operation: "pause", reason: "SpawnFailed" })
    }))
})
