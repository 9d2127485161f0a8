// The default timeouts when nothing is configured (B14, B37, B44, D1): each engine operation, runc, the HTTP client
// before any /init, the logs, the OOM poll and the cleanup, as the original's defaults.
import { WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"

const assertDuration = (actual: Duration.Duration, expected: Duration.DurationInput, what: string) => {
  const wanted = Duration.decode(expected)
  assert.isTrue(Duration.equals(actual, wanted), `${what}: ${Duration.format(actual)}, expected ${Duration.format(wanted)}`)
}

describe("default timeouts", () => {
  it.effect("B37 engine operations: create and start, remove, list, inspect 1 minute; pull 10 minutes; pause, unpause, version 10 s", () =>
    Effect.gen(function*() {
      const { timeouts } = (yield* WhiskConfig.fromEnv({})).engine
      assertDuration(timeouts.run, "1 minute", "run")
      assertDuration(timeouts.rm, "1 minute", "rm")
      assertDuration(timeouts.ps, "1 minute", "ps")
      assertDuration(timeouts.inspect, "1 minute", "inspect")
      assertDuration(timeouts.pull, "10 minutes", "pull")
      assertDuration(timeouts.pause, "10 seconds", "pause")
      assertDuration(timeouts.unpause, "10 seconds", "unpause")
      assertDuration(timeouts.version, "10 seconds", "version")
    }))

  it.effect("B14/B44 runc pause and resume 10 s", () =>
    Effect.gen(function*() {
      const { timeouts } = (yield* WhiskConfig.fromEnv({})).freezer.runc
      assertDuration(timeouts.pause, "10 seconds", "runc pause")
      assertDuration(timeouts.resume, "10 seconds", "runc resume")
    }))

  it.effect("D1 the HTTP client before any /init (its concurrency), logs, OOM poll, connect retry and cleanup", () =>
    Effect.gen(function*() {
      const config = yield* WhiskConfig.fromEnv({})
      assert.strictEqual(config.actionHttp.defaultMaxConcurrent, 1)
      assertDuration(config.actionHttp.retryInterval, "50 millis", "connect retry")
      assertDuration(config.logs.idleTimeout, "2 seconds", "log idle timeout")
      assertDuration(config.logs.timeoutPerMB, "2 seconds", "log timeout per MB")
      assertDuration(config.logs.pollInterval, "5 millis", "tail poll")
      assertDuration(config.logs.oom.pollInterval, "5 millis", "OOM poll")
      assertDuration(config.logs.oom.window, "2 seconds", "OOM window")
      assertDuration(config.engine.cleanupTimeout, "30 seconds", "cleanup")
    }))
})
