import type { LogSource } from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import { Effect, Stream } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./dockerContainer.js"

// The kind of the source the engine last named, for the container's capabilities.
const noteKind = (ctx: ContainerContext, source: LogSource.LogSource) => {
  ctx.logSourceKind = source._tag === "EngineStream" ? "LogStream" : "JsonFile"
}

/**
 * DockerContainer.logs: the activation logs of @effect-whisk/logs from the log source the engine names for this
 * container, from the container's cursor (a byte offset in its json-file log, or a time and the records seen at it in
 * the engine's log stream), one collection at a time (ActivationLogs describes the cursor rule).
 *
 * @internal
 */
export const logs = (ctx: ContainerContext): DockerContainer["logs"] => (options) =>
  Stream.unwrap(Effect.map(ctx.engine.logSource(ctx.id), (source) => {
    noteKind(ctx, source)
    return ActivationLogs.collect(source, ctx.logCursor, ActivationLogs.options(ctx.config.logs, options))
  }))

/**
 * DockerContainer.logLines: the same collection, all at once. Both share the container's cursor, so they can be
 * mixed.
 *
 * @internal
 */
export const logLines = (ctx: ContainerContext): DockerContainer["logLines"] => (options) =>
  Effect.flatMap(ctx.engine.logSource(ctx.id), (source) => {
    noteKind(ctx, source)
    return ActivationLogs.collectAll(source, ctx.logCursor, ActivationLogs.options(ctx.config.logs, options))
  })
