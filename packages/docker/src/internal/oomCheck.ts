import * as OomPoll from "@effect-whisk/logs/OomPoll"
import type { Effect } from "effect"
import type { ContainerContext } from "./dockerContainer.js"

/**
 * Whether the engine reports the container as killed for exceeding its memory (B17): the OOM poll of
 * @effect-whisk/logs over this engine's state check, on the configured schedule.
 *
 * @internal
 */
export const memoryExhausted = (ctx: ContainerContext): Effect.Effect<boolean> =>
  OomPoll.memoryExhausted(ctx.engine.state(ctx.id), ctx.config.oom)
