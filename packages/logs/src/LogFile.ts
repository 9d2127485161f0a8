/**
 * Reading a container's json-file log from a byte offset.
 *
 * @since 0.1.0
 */
import type { DockerEngine, Errors } from "@effect-whisk/core"
import type { Stream } from "effect"
import { watchFile } from "./internal/changeNotifications.js"
import * as internal from "./internal/logFileStream.js"

/**
 * The most bytes one read takes (and so the largest chunk of the stream). Reads start at 64 KiB and grow fourfold
 * up to this while they fill their buffer: a tail reads a few lines at a time, a backlog is read in large chunks.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxReadSize: number = internal.maxReadSize

/**
 * The bytes of the file from `fromOffset`: in Tail mode waiting for more at the end (never completing by itself),
 * in ReadToEnd mode completing at the end. A missing or unreadable file is a LogFileError.
 *
 * Tail mode wakes on a change notification of the file (node's `fs.watch`), and reads again after the poll interval
 * when none came, so a missed notification only costs latency; on a platform without notifications the
 * `Schedules.tailPoll` schedule drives the reads. The file is read with node:fs directly: a call through
 * @effect/platform's FileSystem costs about four times as much, and a tailed activation's logs have 1 ms to complete
 * after its last line.
 *
 * @since 0.1.0
 */
export const stream: (
  path: string,
  fromOffset: number,
  mode: DockerEngine.LogReadMode
) => Stream.Stream<Uint8Array, Errors.LogFileError> = internal.logFileStream(watchFile)
