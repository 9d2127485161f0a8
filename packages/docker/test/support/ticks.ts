// Whether a ticking process (one that counts up into a file every 50 ms, like the tests' ticker image) makes
// progress or stands still.
import { assert } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { existsSync, readFileSync } from "node:fs"

/** The counter the ticker of a container writes, read through the container's root from the host (no exec into it). */
export const tickerFile = (pid: number) => `/proc/${pid}/root/ticks`

const ticksText = (file: string) => readFileSync(file, "utf8").trim()

// A ticker that has just started may not have written its file yet: missing counts as not written yet, as empty does.
const ticks = (file: string) =>
  Effect.suspend(() => {
    const text = existsSync(file) ? ticksText(file) : ""
    return /^\d+$/.test(text) ? Effect.succeed(Number(text)) : Effect.fail("being written")
  }).pipe(Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 100 }), Effect.orDie)

export const makesProgress = (file: string) =>
  Effect.gen(function*() {
    const before = yield* ticks(file)
    yield* ticks(file).pipe(
      Effect.filterOrFail((now) => now > before),
      Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 }),
      Effect.orDie
    )
  })

// The raw text: a process frozen in the middle of rewriting the file leaves it empty, and it must stay so.
export const standsStill = (file: string) =>
  Effect.gen(function*() {
    const before = ticksText(file)
    yield* Effect.sleep("500 millis")
    assert.strictEqual(ticksText(file), before, "the process made progress while frozen")
  })
