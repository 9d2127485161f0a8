// How runc's exit is classified (B43, T54, T55): our clock decides a timeout, never the exit status, so a runc that
// exits 143 by itself is a failure with code 143, not a timeout (the original took it for one, F11); every other
// non-zero status is reported with its number.
import { ContainerId } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runcRunning } from "./support/standInRunc.js"

const id = ContainerId.make("55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52")

describe("runc exit statuses", () => {
  it.scopedLive("T55 exit 0 is success", () =>
    Effect.gen(function*() {
      const runc = yield* runcRunning("exit 0")
      yield* runc.pause(id)
      yield* runc.resume(id)
    }))

  it.scopedLive("T54 every non-zero status is a NonZeroExit that names its code", () =>
    Effect.gen(function*() {
      for (const code of [1, 125, 126, 127, 128, 137, 144]) {
        const runc = yield* runcRunning(`echo 'status ${code}' >&2; exit ${code}`)
        const error = yield* Effect.flip(runc.pause(id))
        assert.deepInclude(error, { _tag: "RuncError", reason: "NonZeroExit", exitCode: code }, `exit ${code}`)
        assert.include(error.message, `exited with code ${code}`)
        assert.include(error.message, `status ${code}`)
      }
    }))

  it.scopedLive("T55 a runc that exits 143 by itself, well within its timeout, is a NonZeroExit, not a Timeout", () =>
    Effect.gen(function*() {
      const runc = yield* runcRunning("exit 143")
      const error = yield* Effect.flip(runc.resume(id))
      assert.deepInclude(error, { _tag: "RuncError", operation: "resume", reason: "NonZeroExit", exitCode: 143 })
    }))

  it.scopedLive("B43 a runc that outlives its timeout is a Timeout, whatever status it would have exited with", () =>
    Effect.gen(function*() {
      const runc = yield* runcRunning("sleep 5; exit 0", "200 millis")
      const error = yield* Effect.flip(runc.pause(id))
      assert.deepInclude(error, { _tag: "RuncError", operation: "pause", reason: "Timeout" })
    }))
})
