import { Chunk, Duration, Effect, Either, Exit, Option, Scope, Stream } from "effect"
import { ActivationReading, type CollectionSettings, type Next } from "./activationReading.js"
import type { Frames } from "./framing.js"
import { type Deadlines, LogCollectionTimeout, LogIdleTimeout, makeDeadlines } from "./timeouts.js"
import type { Turn } from "./turn.js"

/**
 * What a source gives from an offset: bytes of the json-file log, or whole lines already split (`Frames`: a source of
 * records, whose lines are counted as if they were bytes).
 *
 * @internal
 */
export type Source<E, R> = (fromOffset: number) => Stream.Stream<Uint8Array | Frames, E, R>

type Bytes<E, R> = Effect.Effect<
  Chunk.Chunk<Uint8Array | Frames>,
  Option.Option<E | LogIdleTimeout | LogCollectionTimeout>,
  R
>

const isTimeout = (error: unknown): error is LogIdleTimeout | LogCollectionTimeout =>
  error instanceof LogIdleTimeout || error instanceof LogCollectionTimeout

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
    // Set once the turn is taken; then kept at the offset reached (in the file the turn started in).
    let offset: number | undefined
    let file: string | undefined
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
        Effect.map(turn.position, (start) => {
          file = start.file
          return (offset = start.offset)
        })
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
        return reached === undefined ? closeSource : Effect.ensuring(closeSource, turn.release({ offset: reached, file }))
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
  Effect.clockWith((clock) =>
    Effect.gen(function*() {
      const reading = new ActivationReading(settings, start, () => clock.unsafeCurrentTimeMillis())
      let deadlines = yield* makeDeadlines(settings.idleTimeout, settings.timeout)
      let bytes = yield* open(start, deadlines)
      let done = reading.complete

      // Lines and a notice go out; after a truncation, the rest of the activation is read from its own source.
      const settle = (next: Next, out: Array<string>): Effect.Effect<Chunk.Chunk<string>, Option.Option<E>, R> =>
        Effect.gen(function*() {
          if (next._tag === "Skip") {
            deadlines = yield* makeDeadlines(settings.idleTimeout, Duration.millis(next.timeLeft))
            bytes = yield* open(next.from, deadlines)
          } else {
            done = true
          }
          return out.length > 0 ? Chunk.unsafeFromArray(out) : yield* Effect.fail(Option.none())
        })

      // Skipping emits nothing: it reads on until the activation's end, and then the stream ends.
      const readLines: Effect.Effect<Chunk.Chunk<string>, Option.Option<E>, R> = Effect.gen(function*() {
        while (true) {
          const read = yield* Effect.either(bytes)
          const out: Array<string> = []
          if (Either.isLeft(read)) {
            if (Option.isNone(read.left)) return yield* settle(reading.ended(out), out)
            const error = read.left.value
            if (isTimeout(error)) return yield* settle(reading.timedOut(out), out)
            return yield* Effect.fail(Option.some(error))
          }
          let active = false
          for (const chunk of read.right) {
            const next = chunk instanceof Uint8Array ? reading.take(chunk, out) : reading.takeLines(chunk, out)
            onProgress(reading.reached)
            if (next._tag !== "More") return yield* settle(next, out)
            active ||= next.active
          }
          if (active) deadlines.activity()
          if (out.length > 0) return Chunk.unsafeFromArray(out)
        }
      })

      return Effect.suspend(() => done ? Effect.fail(Option.none()) : readLines)
    })
  )
