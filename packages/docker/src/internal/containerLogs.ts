import { ActivationLogs } from "@effect-whisk/logs"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./state.js"

/**
 * DockerContainer.logs: the activation-log pipeline of @effect-whisk/logs over this container's json-file log, from
 * the container's offset, one collection at a time (ActivationLogs describes the offset rule).
 *
 * @internal
 */
export const logs = (ctx: ContainerContext): DockerContainer["logs"] => {
  const cursor: ActivationLogs.Cursor = { offset: ctx.logOffset, lock: ctx.logsLock }
  return (options) =>
    ActivationLogs.collect(
      (fromOffset, mode) => ctx.engine.rawLogs(ctx.id, fromOffset, mode),
      cursor,
      ActivationLogs.options(ctx.config.logs, options)
    )
}
