import type { ActivationResponse } from "@effect-whisk/core"
import { errorText } from "./actionError.js"

/** Milliseconds a step took, two decimals. */
export type Millis = number

export interface ActivationTimings {
  readonly resume?: Millis
  readonly run?: Millis
  readonly logs?: Millis
  readonly suspend?: Millis
}

export interface ActivationReport {
  readonly response: ActivationResponse.ActivationResponse
  /** Formatted log lines (`<time padded to 30> <stream>: <text>`). */
  readonly logs: ReadonlyArray<string>
  readonly timings: ActivationTimings
}

export interface InvocationReport {
  /** `id` is null when no container was created. */
  readonly container: { readonly id: string | null; readonly image: string; readonly address?: string }
  readonly timings: { readonly create?: Millis; readonly init?: Millis; readonly destroy?: Millis }
  readonly activations: ReadonlyArray<ActivationReport>
  /** A failure outside the activations (suspend, resume, destroy): the command exits with 3. */
  readonly error?: string
  /** --keep: the container was left running. */
  readonly kept: boolean
}

const statusInternalError = 3

/** The last activation's statusCode; 3 when something outside the activations failed or none ran. */
export const exitStatus = (report: InvocationReport): number => {
  const last = report.activations.at(-1)
  return report.error !== undefined || last === undefined ? statusInternalError : last.response.statusCode
}

const responseJson = (response: ActivationResponse.ActivationResponse) => ({
  statusCode: response.statusCode,
  ...(response.result === undefined ? {} : { result: response.result }),
  ...(response.size === undefined ? {} : { size: response.size })
})

/** The `--json` document. */
export const toJson = (report: InvocationReport) => ({
  container: { id: report.container.id, image: report.container.image },
  timings: report.timings,
  activations: report.activations.map((activation) => ({
    response: responseJson(activation.response),
    logs: activation.logs,
    timings: activation.timings
  })),
  ...(report.error === undefined ? {} : { error: report.error })
})

const ms = (millis: Millis) => `${millis.toFixed(1)} ms`

const timingLine = (timings: Readonly<Record<string, Millis | undefined>>): string =>
  Object.entries(timings)
    .flatMap(([step, millis]) => (millis === undefined ? [] : [`${step} ${ms(millis)}`]))
    .join(" · ")

const indent = (text: string) => text.split("\n").map((line) => `  ${line}`).join("\n")

/**
 * The report for a person: what ran, each result and its logs, and how long each step took. A result that is an
 * error is printed as its text, one line per line, with `paths` turning the runtime's file names into the user's.
 */
export const toText = (report: InvocationReport, paths: (text: string) => string = (text) => text): string => {
  const lines: Array<string> = []
  const { container, timings } = report
  const where = container.address === undefined ? "" : ` at ${container.address}`
  lines.push(
    container.id === null
      ? `container  not created (image ${container.image})`
      : `container  ${container.id.slice(0, 12)}  ${container.image}${where}`
  )
  const setup = timingLine({ create: timings.create, init: timings.init })
  if (setup.length > 0) lines.push(`timings    ${setup}`)
  report.activations.forEach((activation, index) => {
    const { response } = activation
    lines.push("")
    lines.push(
      `activation ${index + 1}/${report.activations.length}: ${response.status} (statusCode ${response.statusCode})`
    )
    const steps = timingLine({ ...activation.timings })
    if (steps.length > 0) lines.push(`timings    ${steps}`)
    const error = errorText(response.result)
    if (error === undefined) {
      lines.push("result")
      lines.push(indent(response.result === undefined ? "(none)" : JSON.stringify(response.result, null, 2)))
    } else {
      lines.push("error")
      lines.push(indent(paths(error)))
    }
    lines.push(activation.logs.length === 0 ? "logs       (none)" : "logs")
    activation.logs.forEach((log) => lines.push(`  ${log}`))
  })
  lines.push("")
  if (timings.destroy !== undefined) lines.push(`destroyed  in ${ms(timings.destroy)}`)
  if (report.kept && container.id !== null) {
    lines.push(`kept       container ${container.id} runs on; remove it with: docker rm -f ${container.id} (or effect-whisk cleanup)`)
  }
  if (report.error !== undefined) lines.push(`error      ${report.error}`)
  return lines.join("\n")
}
