import { ActivationLogs } from "@effect-whisk/logs"
import { Chunk, Effect, Option, Stream } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./dockerContainer.js"

const cursorOf = (ctx: ContainerContext): ActivationLogs.Cursor => ({ offset: ctx.logOffset, lock: ctx.logsLock })

/**
 * DockerContainer.logs: the activation-log pipeline of @effect-whisk/logs over this container's json-file log, from
 * the container's offset, one collection at a time (ActivationLogs describes the offset rule).
 *
 * @internal
 */
export const logs = (ctx: ContainerContext): DockerContainer["logs"] => {
  const cursor = cursorOf(ctx)
  return (options) =>
    ActivationLogs.collect(
      (fromOffset, mode) => ctx.engine.rawLogs(ctx.id, fromOffset, mode),
      cursor,
      ActivationLogs.options(ctx.config.logs, options)
    )
}

/**
 * DockerContainer.logLines: the same collection, from the file itself when the engine has it on this machine. Both
 * share the container's cursor, so they can be mixed.
 *
 * @internal
 */
export const logLines = (ctx: ContainerContext): DockerContainer["logLines"] => {
  const cursor = cursorOf(ctx)
  const streamed = logs(ctx)
  return (options) =>
    Effect.flatMap(
      ctx.engine.logFile(ctx.id),
      Option.match({
        onNone: () => Effect.map(Stream.runCollect(streamed(options)), Chunk.toReadonlyArray),
        onSome: (path) => ActivationLogs.collectFile(path, cursor, ActivationLogs.options(ctx.config.logs, options))
      })
    )
}
