/**
 * Whether a container that stopped answering was killed for exceeding its memory (B17): the container's states,
 * polled on the `Schedules.oomPoll` schedule, until the first that decides it (OOM-killed, or stopped) or the end of
 * the window. The engine's state check is the input, so any engine can be polled the same way.
 *
 * @since 0.1.0
 */
import { type DockerEngine, type Errors, LogsConfig } from "@effect-whisk/core"
import { Duration, Effect, Option, Stream } from "effect"
import * as Schedules from "./Schedules.js"

/**
 * One answer to the state check.
 *
 * @since 0.1.0
 * @category models
 */
export type Observation =
  /** What the engine said about the container's process. */
  | { readonly _tag: "State"; readonly state: DockerEngine.ContainerState }
  /** The engine no longer knows the container: it is gone, and was not found OOM-killed. */
  | { readonly _tag: "Gone" }
  /** The check failed or took longer than the window: nothing is known, as in the original. */
  | { readonly _tag: "Unanswered"; readonly cause: Errors.DockerEngineError | "TimedOut" }

/**
 * @since 0.1.0
 * @category models
 */
export type Verdict = "OomKilled" | "Stopped" | "Undecided"

/**
 * The status of a process the kernel ended with SIGKILL, the OOM killer's signal.
 */
const killedStatus = 137

/**
 * What an observation says: OOM-killed, stopped otherwise (its state is final then), or not decided yet. An exit by
 * SIGKILL without the OOM flag is not decided: Docker sets `OOMKilled` from the runtime's OOM event, which is
 * delivered on its own and can come after the exit, so the poll goes on waiting for it until the window ends.
 *
 * @since 0.1.0
 * @category verdicts
 */
export const verdict = (observation: Observation): Verdict => {
  switch (observation._tag) {
    case "State":
      if (observation.state.oomKilled) return "OomKilled"
      return (observation.state.status === "exited" || observation.state.status === "dead") &&
          observation.state.exitCode !== killedStatus
        ? "Stopped"
        : "Undecided"
    case "Gone":
      return "Stopped"
    case "Unanswered":
      return "Undecided"
  }
}

/**
 * The container's states on the OOM schedule: one check at once, then one every `pollInterval` (5 ms), `window /
 * pollInterval` (400) more at most. Ends after the first observation that decides (emitted), after the last check,
 * or at twice the window, whichever comes first, so a hung engine cannot hold the activation. Each check has the
 * window as its time limit; a failed or late check is `Unanswered`, a container the engine does not know is `Gone`.
 *
 * @since 0.1.0
 * @category polling
 */
export const states = <R>(
  check: Effect.Effect<DockerEngine.ContainerState, Errors.DockerEngineError, R>,
  settings: Schedules.OomPollSettings = LogsConfig.defaults.oom
): Stream.Stream<Observation, never, R> => {
  const window = Duration.decode(settings.window)
  const observe: Effect.Effect<Observation, never, R> = check.pipe(
    Effect.map((state): Observation => ({ _tag: "State", state })),
    Effect.catchAll((error) =>
      Effect.succeed<Observation>(error.reason === "NotFound" ? { _tag: "Gone" } : { _tag: "Unanswered", cause: error })
    ),
    Effect.timeoutTo({
      duration: window,
      onSuccess: (observation) => observation,
      onTimeout: (): Observation => ({ _tag: "Unanswered", cause: "TimedOut" })
    })
  )
  return Stream.repeatEffectWithSchedule(observe, Schedules.oomPoll(settings)).pipe(
    Stream.takeUntil((observation) => verdict(observation) !== "Undecided"),
    Stream.interruptAfter(Duration.times(window, 2))
  )
}

/**
 * Whether the polled states show the container OOM-killed: the verdict of the last observation of `states`.
 *
 * @since 0.1.0
 * @category polling
 */
export const memoryExhausted = <R>(
  check: Effect.Effect<DockerEngine.ContainerState, Errors.DockerEngineError, R>,
  settings: Schedules.OomPollSettings = LogsConfig.defaults.oom
): Effect.Effect<boolean, never, R> =>
  Effect.map(
    Stream.runLast(states(check, settings)),
    (last) => Option.isSome(last) && verdict(last.value) === "OomKilled"
  )
