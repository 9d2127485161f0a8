/**
 * Where a container's logs come from, as its engine says (`DockerEngine.logSource`). The engine only names the
 * source; `@effect-whisk/logs` reads activations' lines from it (tailing, polling, deadlines, the offset rule).
 *
 * Both sources today hold the container's json-file log as bytes addressed by offset. Another kind is planned for
 * engines whose files are out of reach (Podman, a remote engine): the engine's own log stream, bytes or lines from a
 * timestamp cursor; it will be one more case of this union.
 *
 * @since 0.1.0
 */
import { Stream } from "effect"
import type { LogFileError } from "./Errors.js"

/**
 * The container's json-file log, a file on this machine: read directly, which is the invoker's fastest way.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonFile {
  readonly _tag: "JsonFile"
  readonly path: string
}

/**
 * A json-file log given as bytes (test engines, scripted logs): `bytes(fromOffset)` streams what the log holds from
 * that offset and ends where it ends now; nothing is waited for after that end.
 *
 * @since 0.1.0
 * @category models
 */
export interface Scripted {
  readonly _tag: "Scripted"
  readonly bytes: (fromOffset: number) => Stream.Stream<Uint8Array, LogFileError>
}

/**
 * @since 0.1.0
 * @category models
 */
export type LogSource = JsonFile | Scripted

/**
 * @since 0.1.0
 * @category constructors
 */
export const jsonFile = (path: string): LogSource => ({ _tag: "JsonFile", path })

/**
 * @since 0.1.0
 * @category constructors
 */
export const scripted = (bytes: (fromOffset: number) => Stream.Stream<Uint8Array, LogFileError>): LogSource => ({
  _tag: "Scripted",
  bytes
})

/**
 * A scripted log that holds these bytes (or text) and nothing more.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (content: Uint8Array | string): LogSource => {
  const data = typeof content === "string" ? new TextEncoder().encode(content) : content
  return scripted((fromOffset) => fromOffset < data.length ? Stream.succeed(data.subarray(fromOffset)) : Stream.empty)
}

/**
 * An empty log.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: LogSource = scripted(() => Stream.empty)
