import type { DockerEngine } from "@effect-whisk/core"
import type * as Output from "../Output.js"

/**
 * Progress on stderr. On a terminal, `status` redraws one transient line; elsewhere only `step` lines are
 * printed, one per step, so a log file stays readable.
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

const repeating = new Set(["Downloading", "Extracting", "Waiting"])

/**
 * Shows one pull event: byte progress of a layer redraws the status line on a terminal; every other change
 * (a layer's new state, a digest, the final status) is a step line, each printed once.
 */
export const pullRenderer = (progress: Progress, image: string) => {
  const seen = new Set<string>()
  return (event: DockerEngine.PullEvent): void => {
    const subject = event.id === undefined ? "" : `${event.id}: `
    if (repeating.has(event.status)) {
      progress.status(`pulling ${image}: ${subject}${event.status} ${event.progress ?? ""}`.trimEnd())
      return
    }
    const key = `${event.id ?? ""}\u0000${event.status}`
    if (seen.has(key)) return
    seen.add(key)
    progress.step(`pulling ${image}: ${subject}${event.status}`)
  }
}

// The lines of `docker build` (legacy builder or BuildKit) and of the image build that name a step.
const buildStep = /^(Step \d+\/\d+ :|#\d+ \[|Successfully |building )/

/**
 * Shows the runtime image build: each output line redraws the status line on a terminal; elsewhere only the lines
 * that name a step are printed.
 */
export const buildRenderer = (progress: Progress, isTTY: boolean, image: string) => (line: string): void => {
  if (isTTY) progress.status(`building ${image}: ${line}`)
  else if (buildStep.test(line.trim())) progress.step(`building ${image}: ${line.trim()}`)
}
