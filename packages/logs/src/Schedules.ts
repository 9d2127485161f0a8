/**
 * The retry and polling schedules of effect-whisk, each named and built from its settings in LogsConfig or
 * ActionHttpConfig (D1). `OomPoll` runs the OOM schedule over an engine's state check.
 *
 * @since 0.1.0
 */
import { ActionHttpConfig, LogsConfig } from "@effect-whisk/core"
import { Duration, Schedule } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface OomPollSettings {
  readonly pollInterval: Duration.DurationInput
  readonly window: Duration.DurationInput
}

/**
 * Re-checks a container's OOM state every `pollInterval` (5 ms) for `window` (2 s): after the first check, at most
 * `window / pollInterval` (400) more, as OpenWhisk does (B17). The count, not the wall clock, bounds it, so the slow
 * checks of a loaded engine cannot shorten the window to a handful of attempts.
 *
 * @since 0.1.0
 * @category schedules
 */
export const oomPoll = (settings: OomPollSettings = LogsConfig.defaults.oom): Schedule.Schedule<number> => {
  const step = Duration.toMillis(settings.pollInterval)
  return step > 0
    ? Schedule.spaced(settings.pollInterval).pipe(
      Schedule.zipLeft(Schedule.recurs(Math.floor(Duration.toMillis(settings.window) / step)))
    )
    : Schedule.spaced(settings.pollInterval).pipe(Schedule.upTo(settings.window))
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectRetrySettings {
  readonly retryInterval: Duration.DurationInput
}

/**
 * Retries a refused connection every `retryInterval` (50 ms) until `deadline` has passed since the first retry
 * (B15). Use it with `Effect.retry({ schedule, while: isRefused })`; the caller's overall timeout still applies.
 *
 * @since 0.1.0
 * @category schedules
 */
export const connectRetry = (
  deadline: Duration.DurationInput,
  settings: ConnectRetrySettings = ActionHttpConfig.defaults
): Schedule.Schedule<number> => Schedule.spaced(settings.retryInterval).pipe(Schedule.upTo(deadline))

/**
 * @since 0.1.0
 * @category models
 */
export interface TailPollSettings {
  readonly pollInterval: Duration.DurationInput
}

/**
 * How often a tailed log file is read again at its end when no change notification arrived (5 ms). Never ends.
 *
 * @since 0.1.0
 * @category schedules
 */
export const tailPoll = (settings: TailPollSettings = LogsConfig.defaults): Schedule.Schedule<number> =>
  Schedule.spaced(settings.pollInterval)
