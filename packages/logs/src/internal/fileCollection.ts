import type { Errors } from "@effect-whisk/core"
import { Chunk, type Clock, Duration, Effect, Stream } from "effect"
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"
import { ActivationReading, type CollectionSettings, type Next } from "./activationReading.js"
import type { Watch } from "./changeNotifications.js"
import { Deadlines } from "./deadlines.js"
import { logFileError } from "./logFileError.js"
import type { Turn } from "./turn.js"

/**
 * The most bytes one read takes. Reads grow fourfold up to this while they fill their buffer: a tail reads a few
 * lines at a time, a backlog is read in large chunks.
 *
 * @internal
 */
export const maxReadSize = 1024 * 1024

/**
 * The most bytes read at once, blocking, after a wake-up of a tail: the appended bytes are few and in the page cache.
 *
 * @internal
 */
export const appendedReadSize = 64 * 1024

// Most activations' logs fit one read: 256 KiB is about 2,500 lines of 100 bytes. A 1,000-line activation took
// 0.45 ms more with a first read of 64 KiB, which is one more round trip through the thread pool.
const firstReadSize = 256 * 1024

/**
 * The size of the next read: four times a read that filled its buffer, up to `maxReadSize`; else the same.
 *
 * @internal
 */
export const nextReadSize = (size: number, filled: boolean): number =>
  filled && size < maxReadSize ? Math.min(size * 4, maxReadSize) : size

/**
 * The one reader of activation logs from a json-file log on this machine: an `ActivationReading` (the rules) fed by
 * node:fs callbacks, which keeps the reads (their growth, the first poll after the end, the change notifications)
 * and the deadlines. `collectFromFile` gives all the lines at once (`ActivationLogs.collectAll`,
 * `DockerContainer.logLines`); `streamFromFile` is the Effect Stream over the same reader (`ActivationLogs.collect`,
 * `DockerContainer.logs`), emitting the lines of each read.
 *
 * Why callbacks: a tailed activation's logs are due within 1 ms of its sentinels, and ending any Effect Stream
 * costs 0.6–0.9 ms on this machine (measured for seven ways of building and running one), as does every read that
 * goes through an Effect. Here the reads, the change notifications and the deadlines are node callbacks, and the
 * fiber is resumed once, with all the lines: 0.6–0.8 ms after the sentinels in the benchmark.
 *
 * The deadlines run on real time (timers), not on the Clock: collections from a file are tested live. Notices are
 * stamped with the Clock's time.
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
          const collection = new FileCollection(path, start, settings, pollInterval, watch, clock, undefined)
          return restore(Effect.async<Array<string>, Errors.LogFileError>((resume) => {
            collection.start((error) => resume(error === undefined ? Effect.succeed(collection.lines) : Effect.fail(error)))
            return Effect.sync(() => collection.stop())
          })).pipe(Effect.ensuring(Effect.suspend(() => turn.release(collection.activation.reached))))
        }))
    )
  )

/**
 * The same collection as a Stream: each read's lines are one chunk; the turn is taken when the stream starts and
 * released with the offset reached when it ends, however it ends.
 *
 * @internal
 */
export const streamFromFile = (
  path: string,
  settings: CollectionSettings,
  pollInterval: Duration.DurationInput | undefined,
  turn: Turn,
  watch: Watch
): Stream.Stream<string, Errors.LogFileError> =>
  Stream.asyncScoped<string, Errors.LogFileError>((emit) =>
    Effect.acquireRelease(
      Effect.zipRight(
        Effect.interruptible(turn.take),
        Effect.flatMap(turn.offset, (start) =>
          Effect.clockWith((clock) =>
            Effect.sync(() =>
              new FileCollection(path, start, settings, pollInterval, watch, clock, (lines) => {
                void emit.chunk(Chunk.unsafeFromArray(lines))
              })
            )
          ))
      ),
      (collection) => Effect.zipRight(Effect.sync(() => collection.stop()), turn.release(collection.activation.reached))
    ).pipe(
      Effect.tap((collection) =>
        Effect.sync(() => collection.start((error) => void (error === undefined ? emit.end() : emit.fail(error))))
      )
    ), "unbounded")

/** Told once, when the collection ends: with the error that ended it, or undefined when it completed. */
type Finished = (error: Errors.LogFileError | undefined) => void

class FileCollection {
  readonly activation: ActivationReading
  /** The lines collected (those not yet handed to `onLines`, when it is given). */
  lines: Array<string> = []
  private readonly pollMillis: number | undefined
  private position: number
  private buffer = new Uint8Array(firstReadSize)
  private fd: number | undefined
  private readInFlight = false
  // A notification came while a read was in flight: that read may have missed the new bytes.
  private changedWhileReading = false
  private finished = false
  private finished_: Finished | undefined
  private watching: "not yet" | "watching" | "unavailable" = "not yet"
  private stopWatching: (() => void) | undefined
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined
  private readonly deadlines: Deadlines
  private readonly totalMillis: number

  constructor(
    readonly path: string,
    startOffset: number,
    settings: CollectionSettings,
    pollInterval: Duration.DurationInput | undefined,
    private readonly watch: Watch,
    clock: Clock.Clock,
    /** Given the lines of each read as they come, when set. */
    private readonly onLines: ((lines: Array<string>) => void) | undefined
  ) {
    this.activation = new ActivationReading(settings, startOffset, () => clock.unsafeCurrentTimeMillis())
    this.position = startOffset
    this.pollMillis = pollInterval === undefined ? undefined : Duration.toMillis(pollInterval)
    this.totalMillis = Duration.toMillis(settings.timeout)
    this.deadlines = new Deadlines(Duration.toMillis(settings.idleTimeout), this.totalMillis, performance.now())
  }

  start(finished: Finished): void {
    this.finished_ = finished
    if (this.activation.complete) return this.done()
    this.startDeadlines(this.totalMillis)
    fs.open(this.path, "r", (error, fd) => {
      if (this.finished) return error === null ? fs.close(fd, ignore) : undefined
      if (error !== null) return this.finish(logFileError(this.path, error))
      this.fd = fd
      this.readNext()
    })
  }

  /** Interrupted: no one is told. */
  stop(): void {
    this.finished_ = undefined
    this.finish(undefined)
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
      if (error !== null) return this.finish(logFileError(this.path, error))
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
      size = fs.readSync(this.fd, this.buffer, 0, Math.min(this.buffer.length, appendedReadSize), this.position)
    } catch (error) {
      return this.finish(logFileError(this.path, error as NodeJS.ErrnoException))
    }
    this.received(size)
  }

  private received(size: number): void {
    if (size === 0) return this.atEnd()
    this.position += size
    this.follow(this.activation.take(this.buffer.subarray(0, size), this.lines))
    if (this.finished) return
    this.handOver()
    // The lines are decoded and a held partial line is copied: the buffer can be reused, or replaced.
    const next = nextReadSize(this.buffer.length, size === this.buffer.length)
    if (next !== this.buffer.length) this.buffer = new Uint8Array(next)
    this.readNext()
  }

  private follow(next: Next): void {
    switch (next._tag) {
      case "More":
        if (next.active) this.deadlines.activity(performance.now())
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
    if (this.pollMillis === undefined) return this.follow(this.activation.ended(this.lines))
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
    this.deadlines.restart(totalMillis, performance.now())
    clearTimeout(this.deadlineTimer)
    this.checkDeadlinesIn(Math.min(this.deadlines.idleMillis, totalMillis))
  }

  // One timer for both deadlines, moved only when it fires: activity does not touch it.
  private checkDeadlinesIn(millis: number): void {
    this.deadlineTimer = setTimeout(() => {
      const left = this.deadlines.left(performance.now())
      if (left > 0) return this.checkDeadlinesIn(left)
      this.deadlineTimer = undefined
      this.follow(this.activation.timedOut(this.lines))
    }, Math.max(0, millis))
  }

  private done(): void {
    this.finish(undefined)
  }

  private handOver(): void {
    if (this.onLines === undefined || this.lines.length === 0) return
    const lines = this.lines
    this.lines = []
    this.onLines(lines)
  }

  private finish(error: Errors.LogFileError | undefined): void {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.pollTimer)
    clearTimeout(this.deadlineTimer)
    this.stopWatching?.()
    this.closeFile()
    if (this.finished_ === undefined) return
    if (error === undefined) this.handOver()
    this.finished_(error)
  }

  private closeFile(): void {
    if (this.fd === undefined || this.readInFlight) return
    fs.close(this.fd, ignore)
    this.fd = undefined
  }
}

const ignore = () => {}
