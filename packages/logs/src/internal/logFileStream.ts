import type { DockerEngine, Errors } from "@effect-whisk/core"
import { Duration, Effect, Option, Schedule, Stream } from "effect"
import * as Schedules from "../Schedules.js"
import type { Watch } from "./changeNotifications.js"
import { type LogFileHandle, open } from "./logFileHandle.js"

/** @internal */
export const maxReadSize = 1024 * 1024

/** @internal */
export const firstReadSize = 64 * 1024

/**
 * LogFile.stream with the change notifications given (tests replace them).
 *
 * One stream with one finalizer and no fibers of its own: the end of a collection is on a tailed activation's
 * critical path, and each scope or fiber of Effect costs tens of microseconds there.
 *
 * @internal
 */
export const logFileStream = (watch: Watch) =>
(
  path: string,
  fromOffset: number,
  mode: DockerEngine.LogReadMode
): Stream.Stream<Uint8Array, Errors.LogFileError> =>
  Stream.suspend(() => {
    const reader = new Reader(path, fromOffset)
    const next = mode._tag === "ReadToEnd"
      ? Effect.flatMap(reader.read, Option.match({ onNone: () => Effect.fail(Option.none()), onSome: Effect.succeed }))
      : reader.tail(watch, mode.pollInterval)
    return Stream.repeatEffectOption(next).pipe(Stream.ensuring(Effect.sync(() => reader.close())))
  })

type Bytes = Effect.Effect<Uint8Array, Option.Option<Errors.LogFileError>>

/** Bytes, or none at the end of the file. */
type Read = Effect.Effect<Option.Option<Uint8Array>, Option.Option<Errors.LogFileError>>

class Reader {
  private file: LogFileHandle | undefined
  private position: number
  // One buffer, reused: each chunk is a copy of exactly the bytes read, so a chunk kept downstream pins nothing.
  // (Handing out full buffers instead is slower: every fresh large buffer costs page faults.)
  private buffer = new Uint8Array(firstReadSize)
  // Notifications start at the first end of the file: a collection whose activation is already written never waits,
  // and so never watches.
  private stopWatching: (() => void) | undefined
  private changed = false
  private wake: (() => void) | undefined

  constructor(readonly path: string, fromOffset: number) {
    this.position = fromOffset
  }

  /** The next bytes, or none at the end of the file. */
  readonly read: Read = this.readWith((file) => file.read(this.buffer, this.position))

  /**
   * The bytes a wake-up of the tail announced, read at once (at most the first read's size): a read through libuv's
   * thread pool costs 0.15–0.35 ms more here, on the critical path of an activation's end.
   */
  readonly readAppended: Read = this.readWith((file) =>
    file.readNow(this.buffer.subarray(0, firstReadSize), this.position)
  )

  private readWith(
    readFrom: (file: LogFileHandle) => Effect.Effect<number, Errors.LogFileError>
  ): Read {
    return Effect.suspend(() =>
      this.file !== undefined ? Effect.succeed(this.file) : open(this.path, (file) => (this.file = file))
    ).pipe(
      Effect.flatMap((file) => {
        // Cleared before the read: a notification that arrives after the read found nothing wakes the next wait.
        this.changed = false
        return readFrom(file)
      }),
      Effect.map((size) => {
        if (size === 0) return Option.none()
        this.position += size
        const chunk = this.buffer.slice(0, size)
        if (size === this.buffer.length && size < maxReadSize) this.buffer = new Uint8Array(Math.min(size * 4, maxReadSize))
        return Option.some(chunk)
      }),
      Effect.mapError(Option.some)
    )
  }

  /**
   * The next bytes, waiting at the end of the file for a change notification, or for the poll interval in case one
   * was missed. Without notifications (the platform has none) the `Schedules.tailPoll` schedule does the waking.
   */
  tail(watch: Watch, pollInterval: Duration.DurationInput): Bytes {
    const pollMillis = Duration.toMillis(pollInterval)
    const onChange = () => {
      this.changed = true
      const wake = this.wake
      this.wake = undefined
      wake?.()
    }
    // One callback, no fibers: racing a notification against a sleep costs two forks per wait, on the critical path.
    const notifiedWithin = (millis: number) =>
      Effect.async<void>((resume) => {
        if (this.changed) return resume(Effect.void)
        const timer = setTimeout(() => {
          this.wake = undefined
          resume(Effect.void)
        }, millis)
        this.wake = () => {
          clearTimeout(timer)
          resume(Effect.void)
        }
        return Effect.sync(() => {
          clearTimeout(timer)
          this.wake = undefined
        })
      })
    let waitForMore: Effect.Effect<void> = Effect.suspend(() => {
      this.stopWatching = watch(this.path, onChange)
      if (this.stopWatching === undefined) {
        return Effect.flatMap(Schedule.driver(Schedules.tailPoll({ pollInterval })), (poll) => {
          waitForMore = Effect.ignore(poll.next(undefined))
          return waitForMore
        })
      }
      waitForMore = notifiedWithin(pollMillis)
      // A write between the first read at the end and the watcher's start is only seen by a read: the first wait is
      // short.
      return notifiedWithin(Math.min(1, pollMillis))
    })
    // At the end of the file: wait, then read what the wake-up announced at once.
    const readOn = (read: Read): Bytes =>
      Effect.flatMap(
        read,
        Option.match({ onNone: () => Effect.zipRight(Effect.suspend(() => waitForMore), afterWait), onSome: Effect.succeed })
      )
    const afterWait: Bytes = Effect.suspend(() => readOn(this.readAppended))
    return readOn(this.read)
  }

  close(): void {
    this.stopWatching?.()
    this.stopWatching = undefined
    this.file?.close()
  }
}
