import { LogLine, Messages } from "@effect-whisk/core"
import { Duration } from "effect"
import { ActivationLines } from "./activationLines.js"
import { emptyFrames, type Frames, Framer, FramingError } from "./framing.js"
import { Skipper, skippedLineLimit } from "./skipping.js"

/**
 * The rules of one collection.
 *
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

/**
 * What the driver does next.
 *
 * @internal
 */
export type Next =
  /** Read on. `active`: lines went out, or bytes were skipped; either restarts the idle timeout. */
  | { readonly _tag: "More"; readonly active: boolean }
  | { readonly _tag: "Done" }
  /** Read again from `from`, passing over the rest of the activation, for at most `timeLeft` milliseconds. */
  | { readonly _tag: "Skip"; readonly from: number; readonly timeLeft: number }

const more: Next = { _tag: "More", active: false }
const active: Next = { _tag: "More", active: true }
const done: Next = { _tag: "Done" }

type Phase =
  | { readonly _tag: "Lines"; readonly framer: Framer; readonly lines: ActivationLines }
  | { readonly _tag: "Skipping"; readonly skipper: Skipper; readonly lines: ActivationLines; readonly from: number }

/**
 * One activation's collection, whichever way its bytes are read (ActivationLogs describes the rules): it frames,
 * weighs and looks for sentinels in the bytes it is given, adds the notice when the collection ends early, decides
 * whether the rest of the activation is to be passed over (the offset rule), and keeps the offset reached. The
 * driver reads, waits and keeps the deadlines.
 *
 * @internal
 */
export class ActivationReading {
  /** The offset right after what was consumed. */
  reached: number
  private phase: Phase
  private readonly startedAt: number
  private readonly timeoutMillis: number

  /** @param now the current time in milliseconds, for the notices and the time left to skip */
  constructor(
    private readonly settings: CollectionSettings,
    private readonly start: number,
    private readonly now: () => number
  ) {
    this.reached = start
    this.startedAt = now()
    this.timeoutMillis = Duration.toMillis(settings.timeout)
    // A limit of 0 collects nothing (T108, B31); the activation's lines are passed over all the same, so the next
    // activation starts after its sentinels.
    this.phase = settings.limit === 0
      ? { _tag: "Skipping", skipper: new Skipper(skippedLineLimit), lines: new ActivationLines(Infinity, settings.sentinels), from: start }
      : { _tag: "Lines", framer: new Framer(settings.limit), lines: new ActivationLines(settings.limit, settings.sentinels) }
  }

  /** Nothing is to be read: no sentinels are awaited. */
  get complete(): boolean {
    return this.phase._tag === "Lines" && this.phase.lines.complete
  }

  /** Takes bytes that follow the ones taken so far (from the skip's `from` after a Skip), appending lines to `out`. */
  take(bytes: Uint8Array, out: Array<string>): Next {
    const phase = this.phase
    const frames = emptyFrames()
    if (phase._tag === "Skipping") {
      phase.skipper.push(bytes, frames)
      return this.skipped(frames)
    }
    return this.framed(frames, phase.framer.push(bytes, frames), out)
  }

  /**
   * Takes whole lines that follow the ones taken so far, already split (a source of records, such as the engine's
   * log stream): each line's text without its `\n` and its size in bytes, counted as if they were bytes followed by
   * `\n`. The same rules as `take`: a line longer than the limit ends the collection as the framing would.
   */
  takeLines(lines: Frames, out: Array<string>): Next {
    const phase = this.phase
    if (phase._tag === "Skipping") {
      // As the skipper: a line too long to hold cannot be a sentinel.
      const texts = lines.texts.map((text, i) => lines.sizes[i]! > skippedLineLimit ? "" : text)
      return this.skipped({ texts, sizes: lines.sizes })
    }
    const tooLong = lines.sizes.findIndex((size) => size > this.settings.limit)
    if (tooLong === -1) return this.framed(lines, undefined, out)
    return this.framed(
      { texts: lines.texts.slice(0, tooLong), sizes: lines.sizes.slice(0, tooLong) },
      new FramingError({ reason: "FrameTooLong", maxFrameLength: this.settings.limit }),
      out
    )
  }

  private skipped(frames: Frames): Next {
    const phase = this.phase as Extract<Phase, { _tag: "Skipping" }>
    phase.lines.take(frames, undefined)
    this.reached = phase.from + phase.lines.consumed
    return phase.lines.complete ? done : active
  }

  private framed(frames: Frames, framingError: FramingError | undefined, out: Array<string>): Next {
    const phase = this.phase as Extract<Phase, { _tag: "Lines" }>
    const emitted = out.length
    const limitReached = phase.lines.take(frames, out)
    this.reached = this.start + phase.lines.consumed
    if (limitReached !== undefined) return this.endWith(this.settings.truncated, out, true)
    if (phase.lines.complete) return done
    if (framingError !== undefined) return this.endWith(Messages.logFailure, out, framingError.reason === "FrameTooLong")
    return out.length > emitted ? active : more
  }

  /** The bytes ended (reading to the end). */
  ended(out: Array<string>): Next {
    if (this.phase._tag === "Skipping") return done
    const ended = this.phase.framer.end() ?? (this.settings.requireSentinels ? this.phase.lines.notEnough() : undefined)
    return ended === undefined ? done : this.endWith(Messages.logFailure, out, false)
  }

  /** A deadline passed: no line for the idle timeout, or the overall timeout. */
  timedOut(out: Array<string>): Next {
    return this.phase._tag === "Skipping" ? done : this.endWith(Messages.logFailure, out, false)
  }

  /** The notice as the last line; then, after a truncation, passing over the rest of the activation. */
  private endWith(text: string, out: Array<string>, thenSkip: boolean): Next {
    const now = this.now()
    out.push(LogLine.noticeAt(now, text).json)
    const lines = this.phase.lines
    const timeLeft = this.timeoutMillis - (now - this.startedAt)
    if (!thenSkip || !this.settings.skipRest || lines.complete || timeLeft <= 0) return done
    const from = this.start + lines.consumed
    this.phase = {
      _tag: "Skipping",
      skipper: new Skipper(skippedLineLimit),
      lines: new ActivationLines(Infinity, this.settings.sentinels - lines.sentinels),
      from
    }
    return { _tag: "Skip", from, timeLeft }
  }
}
