import { Errors } from "@effect-whisk/core"
import { Data } from "effect"
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
 * OpenWhisk's `limitWeighted` and `CompleteAfterOccurrences`, fused so that the consumed bytes are exact whatever the
 * chunking: a line counts as consumed when it reaches the limit (also the line that breaks it), and the lines after
 * the last sentinel do not, so the next collection starts right after the sentinel.
 *
 * @internal
 */
export class ActivationLines {
  /** The bytes of the lines taken so far, each line's length + 1. */
  consumed = 0
  sentinels = 0
  private weight = 0

  /**
   * @param limit the most bytes the lines may weigh, each line weighing its length + 1
   * @param needed complete after this many sentinel lines; they are not emitted
   */
  constructor(readonly limit: number, readonly needed: number) {}

  get complete(): boolean {
    return this.sentinels >= this.needed
  }

  /**
   * Takes frames until the activation is complete or the limit is broken, appending the other lines to `out` (when
   * given: skipping keeps none). Gives LogLimitReached when the limit was broken.
   */
  take(frames: Frames, out: Array<string> | undefined): LogLimitReached | undefined {
    const { sizes, texts } = frames
    for (let i = 0; i < sizes.length && !this.complete; i++) {
      const cost = sizes[i]! + 1
      this.weight += cost
      this.consumed += cost
      const text = texts[i]!
      const sentinel = isSentinelLine(text)
      // The line that broke the limit is consumed all the same: a sentinel there still counts.
      if (sentinel) this.sentinels += 1
      if (this.weight > this.limit) return new LogLimitReached({ limit: this.limit })
      if (!sentinel) out?.push(text)
    }
    return undefined
  }

  /** The lines ended: fewer sentinels than needed is OccurrencesNotFound. */
  notEnough(): Errors.OccurrencesNotFound | undefined {
    return this.complete ? undefined : new Errors.OccurrencesNotFound({ needed: this.needed, found: this.sentinels })
  }
}
