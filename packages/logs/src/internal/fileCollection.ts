import type { Errors } from "@effect-whisk/core"
import { Chunk, type Clock, Duration, Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"
import { ActivationReading, type CollectionSettings, type Next } from "./activationReading.js"
import type { Watch } from "./changeNotifications.js"
import { Deadlines } from "./deadlines.js"
import type { KeptFile } from "./keptFile.js"
import { logFileError } from "./logFileError.js"
import type { Position, Turn } from "./turn.js"

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

// The buffer of every blocking read. A blocking read's bytes are framed and decoded before it returns (a held partial
// line is copied), so one buffer serves all collections; only a read through the thread pool needs one of its own,
// made when a collection first reads so (a warm activation's collection never does). A collection's first read
// takes all of it: its bytes were just written, and in one read a 1,000-line activation (125 KB) is not split into
// a blocking read and one more round trip through the thread pool (figure 4).
const blockingBuffer = new Uint8Array(firstReadSize)

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
  watch: Watch,
  kept?: KeptFile
): Effect.Effect<Array<string>, Errors.LogFileError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.zipRight(
      restore(turn.take),
      Effect.flatMap(turn.position, (start) =>
        Effect.clockWith((clock) => {
          const collection = new FileCollection(path, start, settings, pollInterval, watch, clock, undefined, kept)
          const release = Effect.suspend(() => turn.release(collection.reached))
          // Already uninterruptible here: the release runs after the collection however it ends, without the mask
          // that `Effect.ensuring` would add around it (three more steps of the runtime per collection). For the same
          // reason the async has no canceler (Effect wraps one in a mask of its own, eight steps more): an
          // interruption ends in onFailure, which stops the collection first (a no-op once it has finished).
          return Effect.matchCauseEffect(
            restore(Effect.async<Array<string>, Errors.LogFileError>((resume) => {
              collection.start((error) => resume(error === undefined ? Effect.succeed(collection.lines) : Effect.fail(error)))
            })),
            {
              onFailure: (cause) => {
                collection.stop()
                return Effect.zipRight(release, Effect.failCause(cause))
              },
              onSuccess: (lines) => Effect.as(release, lines)
            }
          )
        }))
    )
  )

/**
 * The same collection as a Stream: each read's lines are one chunk; the turn is taken when the stream starts and
 * released with the offset reached when it ends, however it ends.
 *
 * The stream is pulled: each pull takes the lines the reader handed over, or waits for the next read's. The reader
 * reads on while the consumer works on a chunk, then waits for the next pull: it holds at most one read's lines ahead
 * of the consumer. Pulled rather than pushed through `Stream.asyncScoped`, whose emit runs a fiber per chunk to offer
 * it (Effect 3.22): that left dead objects in V8's old generation that kept every later chunk alive through scavenges
 * until it was promoted, so a pass over a large log filled the old generation with all its lines (figure 5's RSS
 * growth of about 100 MiB). `Stream.asyncPush`, which offers synchronously, promoted nothing, but has no backpressure.
 *
 * @internal
 */
export const streamFromFile = (
  path: string,
  settings: CollectionSettings,
  pollInterval: Duration.DurationInput | undefined,
  turn: Turn,
  watch: Watch,
  kept?: KeptFile
): Stream.Stream<string, Errors.LogFileError> =>
  Stream.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(
        Effect.zipRight(
          Effect.interruptible(turn.take),
          Effect.flatMap(turn.position, (start) =>
            Effect.clockWith((clock) =>
              Effect.sync(() => {
                const handOff = new HandOff()
                const collection = new FileCollection(
                  path,
                  start,
                  settings,
                  pollInterval,
                  watch,
                  clock,
                  (lines) => handOff.offer(lines),
                  kept
                )
                collection.start((error) => handOff.end(error))
                return { collection, handOff }
              })
            ))
        ),
        ({ collection }) => Effect.zipRight(Effect.sync(() => collection.stop()), turn.release(collection.reached))
      ),
      ({ handOff }) => Stream.repeatEffectChunkOption(handOff.pull)
    )
  )

/**
 * Between the reader and the stream's pulls: at most one read's lines wait here, and the reader waits until a pull
 * takes them.
 *
 * @internal
 */
export class HandOff {
  /** A read's lines that no pull has taken yet. */
  private ready: Array<string> | undefined
  /** Lets the reader read on once `ready` is taken. */
  private taken: (() => void) | undefined
  private pending: Promise<void> | undefined
  private waiting: ((lines: Effect.Effect<Chunk.Chunk<string>, Option.Option<Errors.LogFileError>>) => void) | undefined
  private ended: { readonly error: Errors.LogFileError | undefined } | undefined

  /** The lines of the reads handed over and not taken yet (at most one read's). */
  get held(): number {
    return this.ready?.length ?? 0
  }

  /** A read's lines: a waiting pull takes them at once; else the reader waits (the promise) until one does. */
  offer(lines: Array<string>): Promise<void> | undefined {
    const waiting = this.waiting
    if (waiting !== undefined) {
      this.waiting = undefined
      waiting(Effect.succeed(Chunk.unsafeFromArray(lines)))
      return undefined
    }
    // Only the lines of the collection's end can come while a read's wait: they join them.
    if (this.ready !== undefined) {
      for (const line of lines) this.ready.push(line)
      return this.pending
    }
    this.ready = lines
    this.pending = new Promise((resolve) => {
      this.taken = resolve
    })
    return this.pending
  }

  /** The collection ended: pulls take what is left, then end (or fail). */
  end(error: Errors.LogFileError | undefined): void {
    this.ended = { error }
    const waiting = this.waiting
    if (waiting === undefined) return
    this.waiting = undefined
    waiting(endOf(error))
  }

  readonly pull: Effect.Effect<Chunk.Chunk<string>, Option.Option<Errors.LogFileError>> = Effect.async((resume) => {
    const ready = this.ready
    if (ready !== undefined) {
      const taken = this.taken
      this.ready = undefined
      this.taken = undefined
      this.pending = undefined
      taken?.()
      return resume(Effect.succeed(Chunk.unsafeFromArray(ready)))
    }
    if (this.ended !== undefined) return resume(endOf(this.ended.error))
    this.waiting = resume
    return Effect.sync(() => {
      this.waiting = undefined
    })
  })
}

const endOf = (error: Errors.LogFileError | undefined) =>
  error === undefined ? Effect.fail(Option.none()) : Effect.fail(Option.some(error))

/** Told once, when the collection ends: with the error that ended it, or undefined when it completed. */
type Finished = (error: Errors.LogFileError | undefined) => void

class FileCollection {
  readonly activation: ActivationReading
  /** The lines collected (those not yet handed to `onLines`, when it is given). */
  lines: Array<string> = []
  private readonly pollMillis: number | undefined
  // The offset of the next read in the log's bytes as the activation reading counts them; a file's byte 0 is at
  // `fileBase` there, the file before the last rotation's at `prior.base`.
  private position: number
  private fileBase = 0
  private file: string | undefined
  private prior: { readonly file: string | undefined; readonly base: number } | undefined
  // The buffer of reads through the thread pool, made at the first.
  private buffer: Uint8Array | undefined
  private fd: number | undefined
  // Whether the descriptor may be kept for the next collection: not after a failure.
  private keepable = true
  private readInFlight = false
  // A notification came while a read was in flight: that read may have missed the new bytes.
  private changedWhileReading = false
  private finished = false
  private onFinished: Finished | undefined
  private watching: "not yet" | "watching" | "unavailable" = "not yet"
  private stopWatching: (() => void) | undefined
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined
  private readonly deadlines: Deadlines
  private readonly totalMillis: number

  constructor(
    readonly path: string,
    from: Position,
    settings: CollectionSettings,
    pollInterval: Duration.DurationInput | undefined,
    private readonly watch: Watch,
    clock: Clock.Clock,
    /** Given the lines of each read as they come, when set. */
    /** Given the lines of each read; when it gives a promise, the next read waits for it (the consumer's room). */
    private readonly onLines: ((lines: Array<string>) => Promise<unknown> | void) | undefined,
    /** Where the file is held open between collections, when it is. */
    private readonly kept: KeptFile | undefined
  ) {
    this.activation = new ActivationReading(settings, from.offset, () => clock.unsafeCurrentTimeMillis())
    this.position = from.offset
    this.file = from.file
    this.pollMillis = pollInterval === undefined ? undefined : Duration.toMillis(pollInterval)
    this.totalMillis = Duration.toMillis(settings.timeout)
    this.deadlines = new Deadlines(Duration.toMillis(settings.idleTimeout), this.totalMillis, performance.now())
  }

  start(finished: Finished): void {
    this.onFinished = finished
    if (this.activation.complete) return this.done()
    this.startDeadlines(this.totalMillis)
    const fd = this.kept?.take(this.path, this.file)
    if (fd !== undefined && this.reuse(fd)) return this.readAppended(firstReadSize)
    this.openAtStart(rotationRetries)
  }

  /**
   * The descriptor kept open on the cursor's file since the last collection: read on from the offset, as a new open
   * that found the same file would (truncated in place: the rest is at byte 0). A file that is no longer linked (its
   * container removed another way, or rotated out of the log) is looked up by its path instead, as it always was.
   */
  private reuse(fd: number): boolean {
    let stat: fs.Stats
    try {
      stat = fs.fstatSync(fd)
    } catch {
      fs.close(fd, ignore)
      return false
    }
    if (stat.nlink === 0) {
      fs.close(fd, ignore)
      return false
    }
    this.fd = fd
    if (stat.size < this.position) this.fileBase = this.position
    return true
  }

  private openAtStart(retries: number): void {
    fs.open(this.path, "r", (error, fd) => {
      if (this.finished) return error === null ? fs.close(fd, ignore) : undefined
      if (error !== null) {
        // Between the engine's rename of a rotated log and the creation of its new file, the path names nothing for
        // a moment: a log known to exist (or rotated) is looked for again, briefly, before it counts as missing.
        if (error.code === "ENOENT" && retries > 0 && this.mayBeRotating()) {
          this.pollTimer = setTimeout(() => {
            this.pollTimer = undefined
            this.openAtStart(retries - 1)
          }, rotationRetryMillis)
          return
        }
        return this.finish(logFileError(this.path, error))
      }
      try {
        this.openedAtStart(fd)
      } catch (error) {
        fs.close(fd, ignore)
        return this.finish(logFileError(this.path, error as NodeJS.ErrnoException))
      }
      this.readAppended(firstReadSize)
    })
  }

  private mayBeRotating(): boolean {
    return this.file !== undefined || fs.existsSync(`${this.path}.1`)
  }

  /** Where the collection ended: the offset reached, in the file it is in. */
  get reached(): Position {
    const reached = this.activation.reached
    if (reached >= this.fileBase || this.prior === undefined) {
      return { offset: Math.max(0, reached - this.fileBase), file: this.file }
    }
    return { offset: reached - this.prior.base, file: this.prior.file }
  }

  /**
   * The engine may have rotated the log since the last collection (json-file `max-size`): the file at the path is
   * then a new one, and the cursor's file is one of `<path>.1`, `<path>.2`… (or gone; with `max-file` 1 the file is
   * truncated in place instead). The collection reads on from the cursor's file, and `rotated` follows the newer ones
   * at their ends. A first collection (no file yet, offset 0) starts at the oldest file of the log.
   */
  private openedAtStart(fd: number): void {
    const stat = fs.fstatSync(fd)
    const id = identity(stat)
    if (this.file === id || (this.file === undefined && this.position > 0)) {
      this.fd = fd
      this.file = id
      // Truncated in place: what was written before the truncation and not read is lost; the rest is at byte 0.
      if (stat.size < this.position) this.fileBase = this.position
      return
    }
    const files = rotationChain(this.path)
    const at = this.file === undefined ? files.length - 1 : files.findIndex((file) => file.id === this.file)
    const older = at > 0 ? openIfSame(files[at]!.name, files[at]!.id) : undefined
    if (older !== undefined) {
      fs.close(fd, ignore)
      this.fd = older
      this.file = files[at]!.id
      return
    }
    // The cursor's file is gone (more rotations than `max-file` keeps): its unread lines are lost. Reading goes on
    // at the start of the oldest file left, which followed it.
    const oldest = files.length > 1 ? openIfSame(files.at(-1)!.name, files.at(-1)!.id) : undefined
    if (oldest !== undefined) {
      fs.close(fd, ignore)
      this.fd = oldest
      this.file = files.at(-1)!.id
    } else {
      this.fd = fd
      this.file = id
    }
    this.fileBase = this.position
  }

  /**
   * At the end of the open file: whether there is more to read after all, because the engine has rotated the log
   * meanwhile. The open file is read to its end first (it may have grown before it was rotated); then the
   * collection goes on at byte 0 of the file that followed this one (the next newer name, or the file at the path),
   * or of this one when it was truncated in place, after the last line of what came before: no line is lost or read
   * twice.
   */
  private rotated(): boolean {
    const fd = this.fd
    if (fd === undefined) return false
    let next: { readonly fd: number; readonly id: string } | undefined
    try {
      const current = fs.statSync(this.path, { throwIfNoEntry: false })
      // Between the engine's rename and its new file, the path names nothing: the next wake-up looks again.
      if (current === undefined) return false
      const size = fs.fstatSync(fd).size
      if (identity(current) === this.file) {
        if (size >= this.position - this.fileBase) return false
      } else if (size > this.position - this.fileBase) {
        // Written to after the read that found its end, and then rotated: its last lines are read first.
        return true
      } else {
        const files = rotationChain(this.path)
        const at = files.findIndex((file) => file.id === this.file)
        // Not found: this file was removed, and the oldest one left followed it.
        const following = at > 0 ? files[at - 1]! : at === -1 && files.length > 0 ? files.at(-1)! : undefined
        const opened = following === undefined ? undefined : openIfSame(following.name, following.id)
        if (opened === undefined) return false
        next = { fd: opened, id: following!.id }
      }
    } catch {
      return false
    }
    if (next !== undefined) {
      fs.close(fd, ignore)
      this.fd = next.fd
      // A notification watches a file, not a path: the new file is watched when the collection next waits.
      this.stopWatching?.()
      this.stopWatching = undefined
      if (this.watching === "watching") this.watching = "not yet"
    }
    this.prior = { file: this.file, base: this.fileBase }
    this.file = next?.id ?? this.file
    this.fileBase = this.position
    return true
  }

  /** Interrupted: no one is told. */
  stop(): void {
    this.onFinished = undefined
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
    const buffer = this.buffer ??= new Uint8Array(firstReadSize)
    fs.read(this.fd, buffer, 0, buffer.length, this.position - this.fileBase, (error, size) => {
      this.readInFlight = false
      if (this.finished) return this.closeFile()
      if (error !== null) return this.finish(logFileError(this.path, error))
      // The lines are decoded and a held partial line is copied: the buffer can be reused, or replaced.
      const next = nextReadSize(buffer.length, size === buffer.length)
      if (next !== buffer.length) this.buffer = new Uint8Array(next)
      this.received(buffer, size)
    })
  }

  /**
   * A wake-up while tailing (a change notification or the poll): the appended bytes are few and in the page cache,
   * and reading them at once saves a round trip through libuv's thread pool (0.15–0.35 ms here), on the critical
   * path of an activation's end. At most one small read (64 KiB) blocks; anything after it is read asynchronously. The
   * first read of a collection is one too, of up to 256 KiB: its bytes were just written, and a warm activation's logs
   * fit it.
   */
  private readAppended(most: number = appendedReadSize): void {
    if (this.finished || this.fd === undefined) return
    if (this.readInFlight) {
      this.changedWhileReading = true
      return
    }
    let size: number
    try {
      size = fs.readSync(this.fd, blockingBuffer, 0, most, this.position - this.fileBase)
    } catch (error) {
      return this.finish(logFileError(this.path, error as NodeJS.ErrnoException))
    }
    this.received(blockingBuffer, size)
  }

  private received(buffer: Uint8Array, size: number): void {
    if (size === 0) return this.atEnd()
    this.position += size
    this.follow(this.activation.take(buffer.subarray(0, size), this.lines))
    if (this.finished) return
    const accepted = this.handOver()
    if (accepted === undefined) return this.readNext()
    // Waiting for the consumer is not the log standing still: the idle deadline counts from when it took the lines.
    accepted.then(() => {
      this.deadlines.activity(performance.now())
      this.readNext()
    }, () => this.readNext())
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
    if (this.rotated()) return this.readNext()
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

  private handOver(): Promise<unknown> | void {
    if (this.onLines === undefined || this.lines.length === 0) return
    const lines = this.lines
    this.lines = []
    return this.onLines(lines)
  }

  private finish(error: Errors.LogFileError | undefined): void {
    if (this.finished) return
    this.finished = true
    this.keepable = error === undefined
    clearTimeout(this.pollTimer)
    clearTimeout(this.deadlineTimer)
    this.stopWatching?.()
    this.closeFile()
    if (this.onFinished === undefined) return
    if (error === undefined) this.handOver()
    this.onFinished(error)
  }

  private closeFile(): void {
    if (this.fd === undefined || this.readInFlight) return
    if (this.kept !== undefined && this.keepable) this.kept.keep(this.path, this.fd, this.file)
    else fs.close(this.fd, ignore)
    this.fd = undefined
  }
}

const ignore = () => {}

/** How long, in all, a start looks again for a log file that a rotation is replacing (the engine takes microseconds). */
const rotationRetryMillis = 5
const rotationRetries = 40

const identity = (stat: fs.Stats): string => `${stat.dev}:${stat.ino}`

/** More rotated files than Docker's json-file driver is ever configured to keep. */
const maxRotatedFiles = 64

/** The log's files, newest first: the path, then `<path>.1`, `<path>.2`… while they exist. */
const rotationChain = (path: string): Array<{ readonly name: string; readonly id: string }> => {
  const files: Array<{ readonly name: string; readonly id: string }> = []
  for (let k = 0; k <= maxRotatedFiles; k++) {
    const name = k === 0 ? path : `${path}.${k}`
    const stat = fs.statSync(name, { throwIfNoEntry: false })
    if (stat === undefined) {
      if (k === 0) continue
      break
    }
    files.push({ name, id: identity(stat) })
  }
  return files
}

/** The file at `path` opened for reading when it is the file of that identity (or any, when undefined), else undefined. */
const openIfSame = (path: string, file: string | undefined): number | undefined => {
  let fd: number
  try {
    fd = fs.openSync(path, "r")
  } catch {
    return undefined
  }
  try {
    if (file === undefined || identity(fs.fstatSync(fd)) === file) return fd
  } catch {
    // Not readable: as if it were not there.
  }
  fs.close(fd, ignore)
  return undefined
}
