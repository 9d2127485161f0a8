/**
 * Reading a container's json-file log from a byte offset.
 *
 * @since 0.1.0
 */
import type { DockerEngine, Errors } from "@effect-whisk/core"
import type { FileSystem } from "@effect/platform"
import { Stream } from "effect"

/**
 * The bytes of the file from `fromOffset`: in Tail mode waiting for more at the end (never completing by itself),
 * in ReadToEnd mode completing at the end. A missing or unreadable file is a LogFileError.
 *
 * @since 0.1.0
 */
export const stream = (
  _path: string,
  _fromOffset: number,
  _mode: DockerEngine.LogReadMode
): Stream.Stream<Uint8Array, Errors.LogFileError, FileSystem.FileSystem> =>
  Stream.dieMessage("LogFile.stream is not implemented yet")
