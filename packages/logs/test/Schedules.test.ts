import { Schedules } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Clock, type Duration, Effect, Fiber, Ref, type Schedule, TestClock } from "effect"

// Counts the attempts of an always-failing effect retried with the schedule, until the schedule gives up or the time is over.
const attemptsUnder = (schedule: Schedule.Schedule<number>, advance: Duration.DurationInput) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make<Array<number>>([])
    const failing = Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => Ref.update(attempts, (times) => [...times, now])),
      Effect.zipRight(Effect.fail("refused" as const))
    )
    const fiber = yield* Effect.fork(Effect.retry(failing, schedule))
    yield* TestClock.adjust(advance)
    yield* Fiber.interrupt(fiber)
    return yield* Ref.get(attempts)
  })

describe("Schedules", () => {
  it.effect("oomPoll checks once, then 400 more times 5 ms apart (2 s window)", () =>
    Effect.gen(function*() {
      const times = yield* attemptsUnder(Schedules.oomPoll(), "3 seconds")
      assert.strictEqual(times.length, 401)
      assert.strictEqual(times[1], 5)
      assert.strictEqual(times.at(-1), 2000)
    }))

  it.effect("oomPoll follows its configured interval and window", () =>
    Effect.gen(function*() {
      const times = yield* attemptsUnder(Schedules.oomPoll({ pollInterval: "100 millis", window: "1 second" }), "3 seconds")
      assert.deepStrictEqual(times, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    }))

  it.effect("connectRetry retries every 50 ms and stops at the deadline", () =>
    Effect.gen(function*() {
      const times = yield* attemptsUnder(Schedules.connectRetry("1 second"), "3 seconds")
      assert.strictEqual(times[1], 50)
      assert.isAtMost(times.at(-1) ?? Infinity, 1050)
      assert.isAtLeast(times.at(-1) ?? 0, 950)
    }))

  it.effect("tailPoll waits its configured interval between reads and never ends by itself", () =>
    Effect.gen(function*() {
      const times = yield* attemptsUnder(Schedules.tailPoll({ pollInterval: "250 millis" }), "1 second")
      assert.deepStrictEqual(times, [0, 250, 500, 750, 1000])
    }))
})
