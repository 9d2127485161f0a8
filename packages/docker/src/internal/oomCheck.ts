import type { DockerEngine } from "@effect-whisk/core"
import * as Schedules from "@effect-whisk/logs/Schedules"
import { Duration, Effect, Schedule } from "effect"
import type { ContainerContext } from "./dockerContainer.js"

type Verdict = "OomKilled" | "Stopped" | "Undecided"

const verdictOf = (state: DockerEngine.ContainerState): Verdict =>
  state.oomKilled ? "OomKilled" : state.status === "exited" || state.status === "dead" ? "Stopped" : "Undecided"

/**
 * Whether the engine reports the container as killed for exceeding its memory (B17). Polls on the OOM schedule
 * (every 5 ms, 400 more checks by default) and stops as soon as the container has stopped, OOM or not: its state is
 * final then. A failed check counts as undecided, as in the original; a container the engine no longer knows is
 * not OOM-killed. Each check, and the whole poll (twice the window), has a time limit, so a hung engine cannot hold
 * the activation.
 *
 * @internal
 */
export const memoryExhausted = (ctx: ContainerContext): Effect.Effect<boolean> => {
  const window = Duration.decode(ctx.config.oom.window)
  const check: Effect.Effect<Verdict> = ctx.engine.state(ctx.id).pipe(
    Effect.map(verdictOf),
    Effect.catchAll((error) => Effect.succeed<Verdict>(error.reason === "NotFound" ? "Stopped" : "Undecided")),
    Effect.timeoutTo({ duration: window, onSuccess: (verdict) => verdict, onTimeout: (): Verdict => "Undecided" })
  )
  return Effect.repeat(check, {
    schedule: Schedule.passthrough(Schedules.oomPoll(ctx.config.oom)),
    until: (verdict) => verdict !== "Undecided"
  }).pipe(
    Effect.timeoutTo({
      duration: Duration.times(window, 2),
      onSuccess: (verdict) => verdict === "OomKilled",
      onTimeout: () => false
    })
  )
}
