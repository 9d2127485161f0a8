import { Errors } from "@effect-whisk/core"
import { Channel, Chunk, Data, Stream } from "effect"
import type { Frames } from "./framing.js"
import { isSentinelLine } from "./sentinel.js"

/**
 * The lines weighed more than the limit.
 *
 * @internal
 */
export class LogLimitReached extends Data.TaggedError("LogLimitReached")<{ readonly limit: number }> {
  override get message(): string {
    return `The log lines weigh more than ${this.limit} bytes`
  }
}

/**
 * How far a collection got: the bytes of the lines it consumed (each line's length + 1) and the sentinels it saw.
 *
 * @internal
 */
export interface Progress {
  readonly consumed: number
  readonly sentinels: number
}

/**
 * @internal
 */
export interface ActivationLinesOptions {
  /** The most bytes the lines may weigh, each line weighing its length + 1 (`limitWeighted`). */
  readonly limit: number
  /** Complete after this many sentinel lines; they are not emitted. */
  readonly sentinels: number
  /** Fail with OccurrencesNotFound when the frames end before enough sentinels were seen. */
  readonly errorOnNotEnough: boolean
  /**
   * Told the progress after every chunk of frames, and before the stream fails or completes. Synchronous, like
   * `onLines`: an effect per chunk would be a channel step per chunk, and the last one is on a tailed activation's
   * critical path.
   */
  readonly onProgress: (progress: Progress) => void
  /** Called before lines go out. */
  readonly onLines?: () => void
}

/**
 * OpenWhisk's `limitWeighted` and `CompleteAfterOccurrences`, fused so that the consumed bytes are exact whatever the
 * chunking: a line counts as consumed when it reaches the limit (also the line that breaks it), and the lines after
 * the last sentinel do not, so the next collection starts right after the sentinel.
 *
 * @internal
 */
export const activationLines = (options: ActivationLinesOptions) =>
<E, R>(self: Stream.Stream<Frames, E, R>): Stream.Stream<string, E | LogLimitReached | Errors.OccurrencesNotFound, R> =>
  Stream.pipeThroughChannelOrFail(
    self,
    Channel.suspend(() => {
      let weight = 0
      let consumed = 0
      let sentinels = 0
      const emit = (out: Array<string>) => {
        options.onProgress({ consumed, sentinels })
        if (out.length === 0) return Channel.void
        options.onLines?.()
        return Channel.write(Chunk.unsafeFromArray(out))
      }
      const loop: Channel.Channel<
        Chunk.Chunk<string>,
        Chunk.Chunk<Frames>,
        E | LogLimitReached | Errors.OccurrencesNotFound,
        E,
        unknown,
        unknown
      > = Channel.readWithCause({
        onInput: (input: Chunk.Chunk<Frames>) => {
          const out: Array<string> = []
          for (const { sizes, texts } of input) {
            for (let i = 0; i < sizes.length; i++) {
              const cost = sizes[i]! + 1
              weight += cost
              consumed += cost
              const text = texts[i]!
              if (weight > options.limit) {
                // The line that broke the limit is consumed all the same: a sentinel there still counts.
                if (isSentinelLine(text)) sentinels += 1
                return Channel.zipRight(emit(out), Channel.fail(new LogLimitReached({ limit: options.limit })))
              }
              if (isSentinelLine(text)) {
                sentinels += 1
                if (sentinels >= options.sentinels) return emit(out)
              } else {
                out.push(text)
              }
            }
          }
          return Channel.zipRight(emit(out), loop)
        },
        onFailure: Channel.failCause,
        onDone: () =>
          sentinels < options.sentinels && options.errorOnNotEnough
            ? Channel.fail(new Errors.OccurrencesNotFound({ needed: options.sentinels, found: sentinels }))
            : Channel.void
      })
      return options.sentinels <= 0 ? Channel.void : loop
    })
  )
