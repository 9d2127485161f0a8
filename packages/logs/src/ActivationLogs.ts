/**
 * One activation's log lines from a container's json-file log, as OpenWhisk's `DockerContainer.logs` reads them
 * (B29): framed at `\n` on bytes, weighed against the limit, ended by two sentinel lines, bounded by an idle and an
 * overall timeout, and closed by a notice line when something went wrong. From the engine's log stream
 * (`LogSource.EngineStream`), each record becomes the json-file line the engine would have written, and the same
 * rules apply to those lines.
 *
 * Where the next collection starts (the offset rule):
 * - A collection consumes whole lines. The offset moves past every line that reached the limit (also the line that
 *   broke it) and stops right after the last sentinel line, so lines written after it belong to the next one.
 * - A partial last line is never consumed: it is read again, complete, by the next collection.
 * - Better than OpenWhisk: after a truncation or a line longer than the limit, the same collection goes on reading,
 *   after its notice and without emitting anything, until the activation's sentinels (two in all), or the end of
 *   the file when it does not wait for sentinels, so the next activation never receives the rest of this one's
 *   lines. That skipping ends early, where the file then ends, when no more bytes come for the idle timeout, and at
 *   the overall timeout of the collection.
 * - After an idle or overall timeout, or a partial line at the end, nothing is skipped: the file end was reached, or
 *   the action is still writing and its lines cannot be told from the next activation's.
 * - Collections on one cursor are serialised: a second one starts when the first has ended.
 * - From the engine's log stream the cursor is a time and the count of records seen at that time, moved as the
 *   offset would be (past every consumed line, to right after the last sentinel); records before it are dropped.
 *   When the engine ends a followed stream, the collection asks again from the last record it was given (no record
 *   lost or given twice); a container that is gone fails the collection with the engine's NotFound.
 *
 * @since 0.1.0
 */
import { type ByteSize, type Errors, type LogsConfig, LogSource, Messages } from "@effect-whisk/core"
import { Chunk, Duration, Effect, Ref, Stream } from "effect"
import type { CollectionSettings } from "./internal/activationReading.js"
import { watchFile } from "./internal/changeNotifications.js"
import { activationStream } from "./internal/collection.js"
import { streamFromEngine, type StreamTurn } from "./internal/engineCollection.js"
import { collectFromFile, streamFromFile } from "./internal/fileCollection.js"
import { KeptFile } from "./internal/keptFile.js"
import type { Turn } from "./internal/turn.js"

/**
 * Sentinel lines that end an activation's logs (one on stdout, one on stderr; any two count).
 *
 * @since 0.1.0
 * @category constants
 */
export const sentinelsPerActivation = 2

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Weighs each raw json line as its length + 1; also the longest line accepted. */
  readonly limit: ByteSize.ByteSize
  /** Tail the file until two sentinel lines (managed runtimes), or read what is there (blackbox, developer errors). */
  readonly waitForSentinel: boolean
  /** The longest wait for the next line (2 s). */
  readonly idleTimeout: Duration.DurationInput
  /** The overall timeout is max(limit in whole MB, 5) times this (2 s). */
  readonly timeoutPerMB: Duration.DurationInput
  /** How often a tailed file is read again when no change notification came (5 ms). */
  readonly pollInterval: Duration.DurationInput
}

/**
 * The options of one collection with the configured timeouts and poll interval.
 *
 * @since 0.1.0
 * @category constructors
 */
export const options = (
  config: LogsConfig.Shape,
  collection: { readonly limit: ByteSize.ByteSize; readonly waitForSentinel: boolean }
): Options => ({
  limit: collection.limit,
  waitForSentinel: collection.waitForSentinel,
  idleTimeout: config.idleTimeout,
  timeoutPerMB: config.timeoutPerMB,
  pollInterval: config.pollInterval
})

/**
 * `max(limit in whole MB, 5) × timeoutPerMB`: at least 10 s, 20 s for the default 10 MB.
 *
 * @since 0.1.0
 * @category timeouts
 */
export const collectionTimeout = (limit: ByteSize.ByteSize, timeoutPerMB: Duration.DurationInput): Duration.Duration =>
  Duration.times(Duration.decode(timeoutPerMB), Math.max(limit.toMB, 5))

/**
 * Where a container's next collection starts, and the lock that serialises its collections.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cursor {
  /** The byte offset in the log file. */
  readonly offset: Ref.Ref<number>
  /**
   * Which file the offset is in (its device and inode), once a collection has read the json-file log: when the
   * engine rotates the log, the next collection finds the rest of this file under its rotated name.
   */
  readonly file: Ref.Ref<string | undefined>
  /** Where the next collection from the engine's log stream starts. */
  readonly stream: Ref.Ref<LogSource.StreamCursor>
  readonly lock: Effect.Semaphore
  /**
   * The json-file log held open between collections, when the cursor was made by `makeKeepingCursor`: each
   * collection then reads on from the descriptor the last one ended on, without opening or closing the file.
   *
   * @since 0.2.0
   */
  readonly keptFile?: KeptFile
}

const cursorOf = (keptFile: KeptFile | undefined): Effect.Effect<Cursor> =>
  Effect.map(
    Effect.all([
      Ref.make(0),
      Ref.make<string | undefined>(undefined),
      Ref.make(LogSource.streamStart),
      Effect.makeSemaphore(1)
    ]),
    ([offset, file, stream, lock]) => ({ offset, file, stream, lock, ...(keptFile === undefined ? {} : { keptFile }) })
  )

/**
 * A cursor at the start of the log; each collection from a json-file log opens the file and closes it when it ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCursor: Effect.Effect<Cursor> = Effect.suspend(() => cursorOf(undefined))

/**
 * A cursor at the start of the log that keeps a json-file log open from one collection to the next (a container's:
 * its warm activations then neither open nor close the file). The file is closed by `closeKeptFile`, which its owner
 * calls when the container goes; a collection under way then closes it when it ends. A kept file that is no longer
 * linked (removed, or rotated out of the log) is not read from: the collection looks the log up by its path, as one
 * from `makeCursor` does.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeKeepingCursor: Effect.Effect<Cursor> = Effect.suspend(() => cursorOf(new KeptFile()))

/**
 * Closes the file a cursor keeps open, and keeps none from then on; nothing for a cursor that keeps none.
 *
 * @since 0.2.0
 * @category destructors
 */
export const closeKeptFile = (cursor: Cursor): Effect.Effect<void> => Effect.sync(() => cursor.keptFile?.close())

const settings = (options: Options, skipRest: boolean): CollectionSettings => ({
  limit: options.limit.bytes,
  truncated: Messages.truncateLogs(options.limit),
  requireSentinels: options.waitForSentinel,
  sentinels: sentinelsPerActivation,
  idleTimeout: options.idleTimeout,
  timeout: collectionTimeout(options.limit, options.timeoutPerMB),
  skipRest
})

/**
 * The pipeline over bytes alone, without an offset: one activation's raw json lines, sentinel lines left out, a
 * notice as the last line when it ended early. Failures of the bytes propagate.
 *
 * @since 0.1.0
 * @category pipeline
 */
export const fromBytes = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>, options: Options): Stream.Stream<string, E, R> =>
  activationStream(() => bytes, settings(options, false), fromTheStart)

const fromTheStart: Turn = {
  take: Effect.void,
  position: Effect.succeed({ offset: 0, file: undefined }),
  release: () => Effect.void
}

/**
 * One activation's raw json lines from where the cursor stands (see the module's offset rule), holding the cursor's
 * lock until the stream ends. Sentinel lines are not emitted; a notice is the last line when it ended early. A
 * failure of the source (a missing or unreadable file) propagates.
 *
 * From a json-file log on this machine, the stream is the one file reader's (`collectAll`'s) lines as each read
 * gives them, with its deadlines on real time. From a scripted log, the bytes are read as the source streams them,
 * its end is the end of the log, and the deadlines run on the Clock. From the engine's log stream, a collection that
 * waits for sentinels follows the stream (asking again whenever the engine ends it), one that does not reads what the
 * log holds now; its deadlines and reconnections run on the Clock. A failure of the engine (the container gone: its
 * NotFound) propagates.
 *
 * @since 0.1.0
 * @category pipeline
 */
export const collect = (
  source: LogSource.LogSource,
  cursor: Cursor,
  options: Options
): Stream.Stream<string, Errors.LogFileError | Errors.DockerEngineError> => {
  switch (source._tag) {
    case "JsonFile":
      return streamFromFile(
        source.path,
        settings(options, true),
        pollIntervalOf(options),
        turnOf(cursor),
        watchFile,
        cursor.keptFile
      )
    case "Scripted":
      return activationStream(source.bytes, settings(options, true), turnOf(cursor))
    case "EngineStream":
      return streamFromEngine(source, settings(options, true), options.waitForSentinel, streamTurnOf(cursor))
  }
}

/**
 * What `collect` streams, all at once: the same lines, notices, offset rule and lock. The invoker's way to take an
 * activation's logs: it needs them all before it can answer, and from a json-file log they are complete 0.6–0.8 ms
 * after the sentinels are written, where ending any stream costs more than that alone (the logs README has the
 * measurements).
 *
 * From a json-file log its timeouts run on real time, not on the Clock.
 *
 * @since 0.1.0
 * @category pipeline
 */
export const collectAll = (
  source: LogSource.LogSource,
  cursor: Cursor,
  options: Options
): Effect.Effect<ReadonlyArray<string>, Errors.LogFileError | Errors.DockerEngineError> =>
  source._tag === "JsonFile"
    ? collectFromFile(source.path, settings(options, true), pollIntervalOf(options), turnOf(cursor), watchFile, cursor.keptFile)
    : Effect.map(Stream.runCollect(collect(source, cursor, options)), Chunk.toReadonlyArray)

// A collection that does not wait for sentinels reads to the end of the file and never polls.
const pollIntervalOf = (options: Options): Duration.DurationInput | undefined =>
  options.waitForSentinel ? options.pollInterval : undefined

const turnOf = (cursor: Cursor): Turn => ({
  take: cursor.lock.take(1),
  // Two plain steps: `Effect.zipWith` goes through `Effect.all`, about ten steps of the runtime per collection.
  position: Effect.flatMap(Ref.get(cursor.offset), (offset) => Effect.map(Ref.get(cursor.file), (file) => ({ offset, file }))),
  // The position is tracked synchronously and written to the cursor once, as the lock is released: the next
  // collection can only read it after that.
  release: ({ file, offset }) =>
    Effect.zipRight(Effect.zipRight(Ref.set(cursor.offset, offset), Ref.set(cursor.file, file)), cursor.lock.release(1))
})

const streamTurnOf = (cursor: Cursor): StreamTurn => ({
  take: cursor.lock.take(1),
  position: Ref.get(cursor.stream),
  release: (reached) => Effect.zipRight(Ref.set(cursor.stream, reached), cursor.lock.release(1))
})
