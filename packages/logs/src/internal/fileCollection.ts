import { type Errors, LogLine, Messages } from "@effect-whisk/core"
import { type Clock, Duration, Effect } from "effect"
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"
import { ActivationLines } from "./activationLines.js"
import type { Watch } from "./changeNotifications.js"
import type { CollectionSettings, Turn } from "./collection.js"
import { emptyFrames, Framer } from "./framing.js"
import { logFileError } from "./logFileHandle.js"
import { firstReadSize, maxReadSize } from "./logFileStream.js"
import { Skipper, skippedLineLimit } from "./skipping.js"

/**
 * One activation's raw json lines, read straight from a json-file log: the rules of `activationStream`, driven by
 * node:fs callbacks instead of pulls of a byte stream.
 *
 * Why a second driver: a tailed activation's logs are due within 1 ms of its sentinels, and ending any Effect Stream
 * costs 0.6–0.9 ms on this machine (measured for seven ways of building and running one), as does every read that
 * goes through an Effect. Here the reads, the change notifications and the deadlines are node callbacks, and the
 * fiber is resumed once, with all the lines: about 0.5 ms after the sentinels, where the stream takes 2.
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
          })).pipe(Effect.ensuring(Effect.suspend(() => turn.release(collection.reached))))
        }))
    )
  )

type Resume = (effect: Effect.Effect<Array<string>, Errors.LogFileError>) => void

/** Reading the activation's lines, or passing over the rest of it after a notice (the offset rule). */
type Phase =
  | { readonly _tag: "Lines"; readonly framer: Framer; readonly lines: ActivationLines }
  | { readonly _tag: "Skipping"; readonly skipper: Skipper; readonly lines: ActivationLines; readonly from: number }

class FileCollection {
  /** The offset right after what the collection consumed. */
  reached: number
  private readonly out: Array<string> = []
  private readonly pollMillis: number | undefined
  private phase: Phase
  private position: number
  private buffer = new Uint8Array(firstReadSize)
  private fd: number | undefined
  private reading = false
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
    private readonly startOffset: number,
    private readonly settings: CollectionSettings,
    pollInterval: Duration.DurationInput | undefined,
    private readonly watch: Watch,
    private readonly clock: Clock.Clock
  ) {
    this.reached = startOffset
    this.position = startOffset
    this.pollMillis = pollInterval === undefined ? undefined : Duration.toMillis(pollInterval)
    this.idleMillis = Duration.toMillis(settings.idleTimeout)
    this.totalMillis = Duration.toMillis(settings.timeout)
    this.phase = {
      _tag: "Lines",
      framer: new Framer(settings.limit),
      lines: new ActivationLines(settings.limit, settings.sentinels)
    }
  }

  start(resume: Resume): void {
    this.resume = resume
    if (this.phase.lines.complete) return this.done()
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
    if (this.reading) {
      this.changedWhileReading = true
      return
    }
    this.reading = true
    this.changedWhileReading = false
    fs.read(this.fd, this.buffer, 0, this.buffer.length, this.position, (error, size) => {
      this.reading = false
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
    if (this.reading) {
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
    this.take(this.buffer.subarray(0, size))
    // The lines are decoded and a held partial line is copied: the buffer can be reused, or replaced.
    if (size === this.buffer.length && size < maxReadSize) this.buffer = new Uint8Array(Math.min(size * 4, maxReadSize))
    this.readNext()
  }

  private take(bytes: Uint8Array): void {
    const phase = this.phase
    const frames = emptyFrames()
    if (phase._tag === "Skipping") {
      // Nothing goes out while skipping: the idle timeout restarts with every read.
      this.lastActivity = performance.now()
      phase.skipper.push(bytes, frames)
      phase.lines.take(frames, undefined)
      this.reached = phase.from + phase.lines.consumed
      if (phase.lines.complete) this.done()
      return
    }
    const emitted = this.out.length
    const framingError = phase.framer.push(bytes, frames)
    const limitReached = phase.lines.take(frames, this.out)
    this.reached = this.startOffset + phase.lines.consumed
    if (limitReached !== undefined) return this.endWith(this.settings.truncated, true)
    if (phase.lines.complete) return this.done()
    if (framingError !== undefined) return this.endWith(Messages.logFailure, framingError.reason === "FrameTooLong")
    if (this.out.length > emitted) this.lastActivity = performance.now()
  }

  private atEnd(): void {
    if (this.pollMillis === undefined) return this.bytesEnded()
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

  /** The end of the file, reading to the end. */
  private bytesEnded(): void {
    if (this.phase._tag === "Skipping") return this.done()
    const ended = this.phase.framer.end() ?? (this.settings.requireSentinels ? this.phase.lines.notEnough() : undefined)
    return ended === undefined ? this.done() : this.endWith(Messages.logFailure, false)
  }

  /** The notice as the last line; then, after a truncation, passing over the rest of the activation. */
  private endWith(text: string, thenSkip: boolean): void {
    this.out.push(LogLine.noticeAt(this.clock.unsafeCurrentTimeMillis(), text).json)
    const lines = this.phase.lines
    const left = this.totalMillis - (performance.now() - this.startedAt)
    if (!thenSkip || !this.settings.skipRest || lines.complete || left <= 0) return this.done()
    const from = this.startOffset + lines.consumed
    this.phase = {
      _tag: "Skipping",
      skipper: new Skipper(skippedLineLimit),
      lines: new ActivationLines(Infinity, this.settings.sentinels - lines.sentinels),
      from
    }
    this.position = from
    this.startDeadlines(left)
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
      if (this.phase._tag === "Skipping") return this.done()
      this.endWith(Messages.logFailure, false)
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
    if (this.fd === undefined || this.reading) return
    fs.close(this.fd, ignore)
    this.fd = undefined
  }
}

const ignore = () => {}
