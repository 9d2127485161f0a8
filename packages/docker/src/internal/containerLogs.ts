import { ActivationLogs } from "@effect-whisk/logs"
import { Effect, Ref, Stream } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./dockerContainer.js"

// One cursor per container, shared by logs and logLines: its offset and lock are the container's, the identity of
// the log file it points into is kept here.
const cursors = new WeakMap<ContainerContext, ActivationLogs.Cursor>()

const cursorOf = (ctx: ContainerContext): ActivationLogs.Cursor => {
  const known = cursors.get(ctx)
  if (known !== undefined) return known
  const cursor = { offset: ctx.logOffset, file: Ref.unsafeMake<string | undefined>(undefined), lock: ctx.logsLock }
  cursors.set(ctx, cursor)
  return cursor
}

/**
 * DockerContainer.logs: the activation logs of @effect-whisk/logs from the log source the engine names for this
 * container, from the container's offset, one collection at a time (ActivationLogs describes the offset rule).
 *
 * @internal
 */
export const logs = (ctx: ContainerContext): DockerContainer["logs"] => {
  const cursor = cursorOf(ctx)
  return (options) =>
    Stream.unwrap(Effect.map(
      ctx.engine.logSource(ctx.id),
      (source) => ActivationLogs.collect(source, cursor, ActivationLogs.options(ctx.config.logs, options))
    ))
}

/**
 * DockerContainer.logLines: the same collection, all at once. Both share the container's cursor, so they can be
 * mixed.
 *
 * @internal
 */
export const logLines = (ctx: ContainerContext): DockerContainer["logLines"] => {
  const cursor = cursorOf(ctx)
  return (options) =>
    Effect.flatMap(
      ctx.engine.logSource(ctx.id),
      (source) => ActivationLogs.collectAll(source, cursor, ActivationLogs.options(ctx.config.logs, options))
    )
}
