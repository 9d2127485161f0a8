import type { Errors } from "@effect-whisk/core"
import { type Clock, Duration, Effect } from "effect"
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"
import { ActivationReading, type CollectionSettings, type Next } from "./activationReading.js"
import type { Watch } from "./changeNotifications.js"
import { logFileError } from "./logFileHandle.js"
import { firstReadSize, maxReadSize } from "./logFileStream.js"
import type { Turn } from "./turn.js"

/**
 * One activation's raw json lines, read straight from a json-file log: an `ActivationReading`, as in
 * `activationStream`, fed by node:fs callbacks instead of pulls of a byte stream.
 *
 * Why a second driver: a tailed activation's logs are due within 1 ms of its sentinels, and ending any Effect Stream
 * costs 0.6–0.9 ms on this machine (measured for seven ways of building and running one), as does every read that
 * goes through an Effect. Here the reads, the change notifications and the deadlines are node callbacks, and the
 * fiber is resumed once, with all the lines: 0.6–0.8 ms after the sentinels in the benchmark, where the stream
 * takes 2–2.5.
 *
 * The deadlines run on real time (timers), not on the Clock: collections from a file are tested live. Notices are
 * stamped with the Clock's time, as the stream's are.
 *
 * @internal
 */
export const collectFromFile = (
  path: string,
  settings: CollectionSettings,
  pollInterval: Duration.DurationInput | undefined,
  turn: Turn,
  watch: Watch
): Effect.Effect<Array<string>, Errors.LogFileError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.zipRight(
      restore(turn.take),
      Effect.flatMap(turn.offset, (start) =>
        Effect.clockWith((clock) => {
          const collection = new FileCollection(path, start, settings, pollInterval, watch, clock)
          return restore(Effect.async<Array<string>, Errors.LogFileError>((resume) => {
            collection.start(resume)
            return Effect.sync(() => collection.stop())
          })).pipe(Effect.ensuring(Effect.suspend(() => turn.release(collection.activation.reached))))
        }))
    )
  )

// Most activations' logs fit one read: 256 KiB is about 2,500 lines of 100 bytes. A 1,000-line activation took
// 0.45 ms more with a first read of 64 KiB, which is one more round trip through the thread pool.
const firstFileReadSize = 256 * 1024

type Resume = (effect: Effect.Effect<Array<string>, Errors.LogFileError>) => void

class FileCollection {
  readonly activation: ActivationReading
  private readonly out: Array<string> = []
  private readonly pollMillis: number | undefined
  private position: number
  private buffer = new Uint8Array(firstFileReadSize)
  private fd: number | undefined
  private readInFlight = false
  // A notification came while a read was in flight: that read may have missed the new bytes.
  private changedWhileReading = false
  private finished = false
  private resume: Resume | undefined
  private watching: "not yet" | "watching" | "unavailable" = "not yet"
  private stopWatching: (() => void) | undefined
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined
  private startedAt = 0
  private lastActivity = 0
  private totalMillis: number
  private readonly idleMillis: number

  constructor(
    readonly path: string,
    startOffset: number,
    settings: CollectionSettings,
    pollInterval: Duration.DurationInput | undefined,
    private readonly watch: Watch,
    clock: Clock.Clock
  ) {
    this.activation = new ActivationReading(settings, startOffset, () => clock.unsafeCurrentTimeMillis())
    this.position = startOffset
    this.pollMillis = pollInterval === undefined ? undefined : Duration.toMillis(pollInterval)
    this.idleMillis = Duration.toMillis(settings.idleTimeout)
    this.totalMillis = Duration.toMillis(settings.timeout)
  }

  start(resume: Resume): void {
    this.resume = resume
    if (this.activation.complete) return this.done()
    this.startDeadlines(this.totalMillis)
    fs.open(this.path, "r", (error, fd) => {
      if (this.finished) return error === null ? fs.close(fd, ignore) : undefined
      if (error !== null) return this.finish(Effect.fail(logFileError(this.path, error)))
      this.fd = fd
      this.readNext()
    })
  }

  /** Interrupted: no resume. */
  stop(): void {
    this.resume = undefined
    this.finish(Effect.succeed(this.out))
  }

  private readNext(): void {
    if (this.finished || this.fd === undefined) return
    if (this.readInFlight) {
      this.changedWhileReading = true
      return
    }
    this.readInFlight = true
    this.changedWhileReading = false
    fs.read(this.fd, this.buffer, 0, this.buffer.length, this.position, (error, size) => {
      this.readInFlight = false
      if (this.finished) return this.closeFile()
      if (error !== null) return this.finish(Effect.fail(logFileError(this.path, error)))
      this.received(size)
    })
  }

  /**
   * A wake-up while tailing (a change notification or the poll): the appended bytes are few and in the page cache,
   * and reading them at once saves a round trip through libuv's thread pool (0.15–0.35 ms here), on the critical
   * path of an activation's end. At most one small read blocks; anything after it is read asynchronously.
   */
  private readAppended(): void {
    if (this.finished || this.fd === undefined) return
    if (this.readInFlight) {
      this.changedWhileReading = true
      return
    }
    let size: number
    try {
      size = fs.readSync(this.fd, this.buffer, 0, Math.min(this.buffer.length, firstReadSize), this.position)
    } catch (error) {
      return this.finish(Effect.fail(logFileError(this.path, error as NodeJS.ErrnoException)))
    }
    this.received(size)
  }

  private received(size: number): void {
    if (size === 0) return this.atEnd()
    this.position += size
    this.follow(this.activation.take(this.buffer.subarray(0, size), this.out))
    if (this.finished) return
    // The lines are decoded and a held partial line is copied: the buffer can be reused, or replaced.
    if (size === this.buffer.length && size < maxReadSize) this.buffer = new Uint8Array(Math.min(size * 4, maxReadSize))
    this.readNext()
  }

  private follow(next: Next): void {
    switch (next._tag) {
      case "More":
        if (next.active) this.lastActivity = performance.now()
        return
      case "Done":
        return this.done()
      case "Skip":
        this.position = next.from
        return this.startDeadlines(next.timeLeft)
    }
  }

  private atEnd(): void {
    // Reading to the end: the bytes ended.
    if (this.pollMillis === undefined) return this.follow(this.activation.ended(this.out))
    if (this.changedWhileReading) return this.readNext()
    if (this.watching === "not yet") {
      this.stopWatching = this.watch(this.path, () => this.changed())
      this.watching = this.stopWatching === undefined ? "unavailable" : "watching"
      // A write between the read that found the end and the watcher's start is only seen by a read.
      if (this.watching === "watching") return this.pollIn(Math.min(1, this.pollMillis))
    }
    this.pollIn(this.pollMillis)
  }

  private changed(): void {
    if (this.finished) return
    clearTimeout(this.pollTimer)
    this.pollTimer = undefined
    this.readAppended()
  }

  private pollIn(millis: number): void {
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined
      this.readAppended()
    }, millis)
  }

  private startDeadlines(totalMillis: number): void {
    this.startedAt = performance.now()
    this.lastActivity = this.startedAt
    this.totalMillis = totalMillis
    clearTimeout(this.deadlineTimer)
    this.checkDeadlinesIn(Math.min(this.idleMillis, totalMillis))
  }

  // One timer for both deadlines, moved only when it fires: activity does not touch it.
  private checkDeadlinesIn(millis: number): void {
    this.deadlineTimer = setTimeout(() => {
      const now = performance.now()
      const left = Math.min(this.lastActivity + this.idleMillis, this.startedAt + this.totalMillis) - now
      if (left > 0) return this.checkDeadlinesIn(left)
      this.deadlineTimer = undefined
      this.follow(this.activation.timedOut(this.out))
    }, Math.max(0, millis))
  }

  private done(): void {
    this.finish(Effect.succeed(this.out))
  }

  private finish(outcome: Effect.Effect<Array<string>, Errors.LogFileError>): void {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.pollTimer)
    clearTimeout(this.deadlineTimer)
    this.stopWatching?.()
    this.closeFile()
    this.resume?.(outcome)
  }

  private closeFile(): void {
    if (this.fd === undefined || this.readInFlight) return
    fs.close(this.fd, ignore)
    this.fd = undefined
  }
}

const ignore = () => {}
