/**
 * Reading a container's json-file log from a byte offset.
 *
 * @since 0.1.0
 */
import { type DockerEngine, Errors } from "@effect-whisk/core"
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Duration, Effect, Exit, Fiber, Option, Schedule, Scope, Stream } from "effect"
import * as Schedules from "./Schedules.js"

/**
 * The most bytes one read takes (and so the largest chunk of the stream). Reads start at 64 KiB and grow fourfold
 * up to this while they fill their buffer: a tail reads a few lines at a time, a backlog is read in large chunks.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxReadSize = 1024 * 1024

const firstReadSize = 64 * 1024

/**
 * The bytes of the file from `fromOffset`: in Tail mode waiting for more at the end (never completing by itself),
 * in ReadToEnd mode completing at the end. A missing or unreadable file is a LogFileError.
 *
 * Tail mode wakes on a change notification of the file (`FileSystem.watch`) and reads again at least every poll
 * interval, so a platform without notifications, or a missed one, only costs latency.
 *
 * @since 0.1.0
 */
export const stream = (
  path: string,
  fromOffset: number,
  mode: DockerEngine.LogReadMode
): Stream.Stream<Uint8Array, Errors.LogFileError, FileSystem.FileSystem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    // A finished collection does not wait for the file to be closed (a round trip to the I/O thread pool).
    const fileScope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Effect.forkDaemon(Scope.close(fileScope, Exit.void)))
    const file = yield* fs.open(path, { flag: "r" }).pipe(Scope.extend(fileScope), Effect.mapError(logFileError(path)))
    // No stat: reading a directory fails (EISDIR), and that is a NotAFile too.
    yield* file.seek(fromOffset, "start")
    // One buffer, reused: each chunk is a copy of exactly the bytes read, so a chunk kept downstream pins nothing.
    // (Handing out full buffers instead is slower: every fresh large buffer costs page faults.)
    let buffer = new Uint8Array(firstReadSize)
    const read: Effect.Effect<Option.Option<Uint8Array>, Errors.LogFileError> = Effect.suspend(() => file.read(buffer)).pipe(
      Effect.map((bigSize) => {
        const size = Number(bigSize)
        if (size === 0) return Option.none()
        const chunk = buffer.slice(0, size)
        if (size === buffer.length && size < maxReadSize) buffer = new Uint8Array(Math.min(size * 4, maxReadSize))
        return Option.some(chunk)
      }),
      Effect.mapError(logFileError(path))
    )
    if (mode._tag === "ReadToEnd") {
      return Stream.repeatEffectOption(read.pipe(
        Effect.mapError(Option.some),
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(Option.none()), onSome: Effect.succeed }))
      ))
    }
    const scope = yield* Effect.scope
    const poll = yield* Schedule.driver(Schedules.tailPoll(mode))
    // Notifications start at the first end of the file: a collection whose activation is already written never
    // waits, and so never watches. A write between that read and the watcher's start is only seen by a read, so the
    // first wait is short.
    let changed: Effect.Latch | undefined
    const waitForMore = Effect.suspend(() =>
      changed === undefined
        ? Effect.flatMap(Scope.extend(changeNotifications(fs, path), scope), (latch) => {
          changed = latch
          return Effect.raceFirst(latch.await, Effect.sleep(Duration.min(Duration.millis(1), mode.pollInterval)))
        })
        : Effect.raceFirst(changed.await, Effect.ignore(poll.next(undefined)))
    )
    const next: Effect.Effect<Uint8Array, Errors.LogFileError> = Effect.gen(function*() {
      while (true) {
        // Closed before the read: a notification that arrives after the read found nothing opens it again.
        if (changed !== undefined) yield* changed.close
        const chunk = yield* read
        if (Option.isSome(chunk)) return chunk.value
        yield* waitForMore
      }
    })
    return Stream.repeatEffect(next)
  }))

// A latch opened by every change notification of the file, for as long as the scope is open. Without notifications
// (unsupported platform, error) the latch stays closed and the poll does the work. Closing the scope does not wait
// for the watcher to stop (that takes milliseconds, and a finished collection would wait for it).
const changeNotifications = (fs: FileSystem.FileSystem, path: string) =>
  Effect.gen(function*() {
    const changed = yield* Effect.makeLatch(false)
    const watcher = yield* fs.watch(path).pipe(
      Stream.runForEach(() => changed.open),
      Effect.ignore,
      Effect.forkDaemon
    )
    yield* Effect.addFinalizer(() => Fiber.interruptFork(watcher))
    return changed
  })

const logFileError = (path: string) => (error: PlatformError): Errors.LogFileError =>
  new Errors.LogFileError({
    path,
    reason: error._tag === "SystemError"
      ? error.reason === "NotFound"
        ? "NotFound"
        : error.reason === "PermissionDenied"
        ? "PermissionDenied"
        : error.reason === "BadResource"
        ? "NotAFile"
        : "Unreadable"
      : "Unreadable",
    cause: error
  })
