import type { DockerEngine } from "@effect-whisk/core"
import { Effect, Schedule, type Scope } from "effect"
import type * as Output from "../Output.js"

/**
 * Progress on stderr. On a terminal, `status` redraws one transient line; elsewhere it prints nothing, so a pipe or
 * a log file gets only the `step` lines (outcomes, such as an image built or a pull that failed).
 */
export interface Progress {
  readonly step: (text: string) => void
  readonly status: (text: string) => void
  /** Removes the transient line, if any. */
  readonly clear: () => void
}

const clearLine = "\r\u001b[K"

export const make = (output: Output.Service): Progress => {
  let transient = false
  const clear = () => {
    if (transient) output.stderr(clearLine)
    transient = false
  }
  return {
    step: (text) => {
      clear()
      output.stderr(`${text}\n`)
    },
    status: (text) => {
      if (!output.stderrIsTTY) return
      const width = process.stderr.columns ?? 100
      output.stderr(`${clearLine}${text.length >= width ? `${text.slice(0, width - 2)}…` : text}`)
      transient = true
    },
    clear
  }
}

/**
 * Shows a pull: each event (a layer's state, its byte progress, the final status) redraws the status line on a
 * terminal; nothing is printed elsewhere.
 */
export const pullRenderer = (progress: Progress, image: string) => (event: DockerEngine.PullEvent): void => {
  const subject = event.id === undefined ? "" : `${event.id}: `
  progress.status(`pulling ${image}: ${subject}${event.status} ${event.progress ?? ""}`.trimEnd())
}

/** Shows the runtime image build: each output line redraws the status line on a terminal; nothing elsewhere. */
export const buildRenderer = (progress: Progress, image: string) => (line: string): void => {
  if (line.trim().length > 0) progress.status(`building ${image}: ${line.trim()}`)
}

/**
 * Redraws the status line with `render()` once a second while the Scope is open (on a terminal; nothing elsewhere),
 * and clears it when the Scope closes.
 */
export const everySecond = (progress: Progress, render: () => string): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => progress.status(render())).pipe(
    Effect.repeat(Schedule.spaced("1 second")),
    Effect.delay("1 second"),
    Effect.forkScoped,
    Effect.zipRight(Effect.addFinalizer(() => Effect.sync(() => progress.clear()))),
    Effect.asVoid
  )
