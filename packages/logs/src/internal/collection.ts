import { LogLine, Messages } from "@effect-whisk/core"
import { Chunk, Clock, Duration, Effect, Either, Exit, Option, Scope, Stream } from "effect"
import { ActivationLines } from "./activationLines.js"
import { emptyFrames, Framer } from "./framing.js"
import { Skipper, skippedLineLimit } from "./skipping.js"
import { type Deadlines, LogCollectionTimeout, LogIdleTimeout, makeDeadlines } from "./timeouts.js"

/**
 * @internal
 */
export interface CollectionSettings {
  /** Weighs each raw json line as its length + 1; also the longest line accepted. */
  readonly limit: number
  /** The truncation notice's text. */
  readonly truncated: string
  /** Fewer sentinels than needed at the end of the bytes is a failure (tail mode). */
  readonly requireSentinels: boolean
  readonly sentinels: number
  readonly idleTimeout: Duration.DurationInput
  readonly timeout: Duration.Duration
  /** After a truncation or a line over the limit, read on to the activation's sentinels (the offset rule). */
  readonly skipRest: boolean
}

/** @internal */
export type Source<E, R> = (fromOffset: number) => Stream.Stream<Uint8Array, E, R>

interface Skipping {
  readonly deadlines: Deadlines
  readonly skipper: Skipper
  readonly lines: ActivationLines
  /** Where the skipping started. */
  readonly from: number
}

type Bytes<E, R> = Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E | LogIdleTimeout | LogCollectionTimeout>, R>

const isTimeout = (error: unknown): error is LogIdleTimeout | LogCollectionTimeout =>
  error instanceof LogIdleTimeout || error instanceof LogCollectionTimeout

/**
 * Where a collection starts, and how it hands over to the next one.
 *
 * @internal
 */
export interface Turn {
  /** Waits for this collection's turn; interruptible. Once it has returned, `release` runs whatever happens. */
  readonly take: Effect.Effect<void>
  /** The offset to start from. */
  readonly offset: Effect.Effect<number>
  /** Ends the turn with the offset reached. */
  readonly release: (offset: number) => Effect.Effect<void>
}

/**
 * One activation's raw json lines (ActivationLogs describes the rules), as one stream whose every pull reads bytes,
 * frames, weighs and looks for sentinels: no stage of its own for each step, since each stream stage costs a channel
 * executor, and its start and end are on a tailed activation's critical path.
 *
 * The turn is taken at the first pull, and the stream's one finalizer closes the open source and then releases the
 * turn. A `Stream.unwrapScoped` around the collection would do the same with a scope of its own, which costs about
 * 0.4 ms more at the end of every collection here.
 *
 * @internal
 */
export const activationStream = <E, R>(
  source: Source<E, R>,
  settings: CollectionSettings,
  turn: Turn
): Stream.Stream<string, E, R> =>
  Stream.suspend(() => {
    // Set once the turn is taken; then kept at the offset reached.
    let offset: number | undefined
    let closeSource: Effect.Effect<void> = Effect.void
    // Each source in a scope of its own, one at a time: skipping closes the first (its file) before it opens the
    // second.
    const open = (from: number, deadlines: Deadlines): Effect.Effect<Bytes<E, R>, never, R> =>
      Effect.uninterruptible(Effect.gen(function*() {
        yield* closeSource
        const scope = yield* Scope.make()
        closeSource = Scope.close(scope, Exit.void)
        return deadlines.bounded(yield* Scope.extend(Stream.toPull(source(from)), scope))
      }))
    let pull: Pull<E, R> | undefined
    const begin = Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        restore(turn.take),
        Effect.map(turn.offset, (start) => (offset = start))
      )
    ).pipe(
      Effect.flatMap((start) => linesFrom(start, settings, open, (reached) => (offset = reached))),
      Effect.flatMap((started) => {
        pull = started
        return started
      })
    )
    return Stream.repeatEffectChunkOption(Effect.suspend(() => pull ?? begin)).pipe(
      Stream.ensuring(Effect.suspend(() => {
        const reached = offset
        return reached === undefined ? closeSource : Effect.ensuring(closeSource, turn.release(reached))
      }))
    )
  })

type Pull<E, R> = Effect.Effect<Chunk.Chunk<string>, Option.Option<E>, R>

/**
 * The pull of the lines from `start`; `onProgress` is told the offset after every chunk of bytes.
 */
const linesFrom = <E, R>(
  start: number,
  settings: CollectionSettings,
  open: (from: number, deadlines: Deadlines) => Effect.Effect<Bytes<E, R>, never, R>,
  onProgress: (offset: number) => void
): Effect.Effect<Pull<E, R>, never, R> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const deadlines = yield* makeDeadlines(settings.idleTimeout, settings.timeout)
    let bytes = yield* open(start, deadlines)
    const framer = new Framer(settings.limit)
    const lines = new ActivationLines(settings.limit, settings.sentinels)
    let skipping: Skipping | undefined
    let done = settings.sentinels <= 0

    // The notice as the last line; then, after a truncation, skipping to the activation's sentinels.
    const endWith = (text: string, out: Array<string>, thenSkip: boolean) =>
      Effect.gen(function*() {
        out.push((yield* LogLine.notice(text)).json)
        done = true
        if (thenSkip && settings.skipRest && !lines.complete) {
          const left = Duration.subtract(settings.timeout, Duration.millis((yield* Clock.currentTimeMillis) - startedAt))
          if (!Duration.isZero(left)) {
            const from = start + lines.consumed
            const rest = {
              deadlines: yield* makeDeadlines(settings.idleTimeout, left),
              from,
              skipper: new Skipper(skippedLineLimit),
              lines: new ActivationLines(Infinity, settings.sentinels - lines.sentinels)
            }
            bytes = yield* open(from, rest.deadlines)
            skipping = rest
            done = false
          }
        }
        return Chunk.unsafeFromArray(out)
      })

    const readLines: Effect.Effect<Chunk.Chunk<string>, Option.Option<E>, R> = Effect.gen(function*() {
      while (true) {
        const read = yield* Effect.either(bytes)
        if (Either.isLeft(read)) {
          if (Option.isNone(read.left)) {
            const ended = framer.end() ?? (settings.requireSentinels ? lines.notEnough() : undefined)
            if (ended === undefined) return yield* Effect.fail(Option.none())
            return yield* endWith(Messages.logFailure, [], false)
          }
          const error = read.left.value
          if (isTimeout(error)) return yield* endWith(Messages.logFailure, [], false)
          return yield* Effect.fail(Option.some(error))
        }
        const out: Array<string> = []
        for (const chunk of read.right) {
          const frames = emptyFrames()
          const framingError = framer.push(chunk, frames)
          const limitReached = lines.take(frames, out)
          onProgress(start + lines.consumed)
          if (limitReached !== undefined) return yield* endWith(settings.truncated, out, true)
          if (lines.complete) {
            done = true
            return Chunk.unsafeFromArray(out)
          }
          if (framingError !== undefined) return yield* endWith(Messages.logFailure, out, framingError.reason === "FrameTooLong")
        }
        if (out.length > 0) {
          deadlines.activity()
          return Chunk.unsafeFromArray(out)
        }
      }
    })

    // Reads on without emitting; ends silently when the bytes end or stop coming.
    const skipRest = (rest: Skipping): Effect.Effect<never, Option.Option<E>, R> =>
      Effect.gen(function*() {
        while (!rest.lines.complete) {
          const read = yield* Effect.either(bytes)
          if (Either.isLeft(read)) {
            if (Option.isSome(read.left) && !isTimeout(read.left.value)) return yield* Effect.fail(Option.some(read.left.value))
            break
          }
          // Nothing goes out while skipping: the idle timeout restarts with every chunk of bytes.
          rest.deadlines.activity()
          for (const chunk of read.right) {
            const frames = emptyFrames()
            rest.skipper.push(chunk, frames)
            rest.lines.take(frames, undefined)
            onProgress(rest.from + rest.lines.consumed)
            if (rest.lines.complete) break
          }
        }
        return yield* Effect.fail(Option.none())
      })

    return Effect.suspend(() => done ? Effect.fail(Option.none()) : skipping === undefined ? readLines : skipRest(skipping))
  })
