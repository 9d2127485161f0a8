import { Cause, type Chunk, Effect, Option, Stream } from "effect"

/**
 * `Stream.runForEachChunk` with a synchronous step, pulling the stream by hand. Running a stream with a sink adds the
 * sink's channel to the run, and ending both costs about 0.3–0.5 ms more here: a tailed activation's logs are
 * complete only when their stream has ended, so that time is added to every activation. The stream's failure goes on
 * with its whole cause.
 *
 * @internal
 */
export const forEachChunk = <A, E, R>(
  stream: Stream.Stream<A, E, R>,
  step: (chunk: Chunk.Chunk<A>) => void
): Effect.Effect<void, E, R> =>
  Effect.scoped(Effect.flatMap(Stream.toPull(stream), (pull) => {
    const next = (): Effect.Effect<void, E, R> =>
      Effect.matchCauseEffect(pull, {
        onFailure: (cause) => Option.match(Cause.flipCauseOption(cause), { onNone: () => Effect.void, onSome: Effect.failCause }),
        onSuccess: (chunk) => {
          step(chunk)
          return next()
        }
      })
    return next()
  }))
