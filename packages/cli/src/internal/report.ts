import type { ActivationResponse } from "@effect-whisk/core"
import type { ContainerPool } from "@effect-whisk/pool"
import { errorText } from "./actionError.js"

/** Milliseconds a step took, two decimals. */
export type Millis = number

/** How an activation's container started, as the report prints it. */
export type StartKind = "warm" | "prewarmed" | "cold"

export const startKind = (start: ContainerPool.StartKind): StartKind =>
  start === "Warm" ? "warm" : start === "Prewarmed" ? "prewarmed" : "cold"

/** The pool's timings of one activation: wait for a container, create, resume, init, run, logs. */
export type ActivationTimings = Readonly<Partial<Record<"wait" | "create" | "resume" | "init" | "run" | "logs", Millis>>>

export interface ActivationReport {
  readonly start: StartKind
  /** Absent when no container could be created. */
  readonly containerId?: string
  readonly response: ActivationResponse.ActivationResponse
  /** Formatted log lines (`<time padded to 30> <stream>: <text>`). */
  readonly logs: ReadonlyArray<string>
  readonly timings: ActivationTimings
}

export interface InvocationReport {
  /** The first activation's container; `id` is null when none was created. */
  readonly container: { readonly id: string | null; readonly image: string }
  /** `destroy`: closing the pool, which removes every container it made. */
  readonly timings: { readonly destroy?: Millis }
  readonly activations: ReadonlyArray<ActivationReport>
  /** A failure outside the activations (the image, the pool): the command exits with 3. */
  readonly error?: string
}

const statusInternalError = 3

/** The last activation's statusCode; 3 when something outside the activations failed or none ran. */
export const exitStatus = (report: InvocationReport): number => {
  const last = report.activations.at(-1)
  return report.error !== undefined || last === undefined ? statusInternalError : last.response.statusCode
}

const round = (millis: number): Millis => Math.round(millis * 100) / 100

/** The pool's timings, rounded, in step order. */
export const activationTimings = (timings: ContainerPool.Timings): ActivationTimings => {
  const steps = ["wait", "create", "resume", "init", "run", "logs"] as const
  return Object.fromEntries(
    steps.flatMap((step) => (timings[step] === undefined ? [] : [[step, round(timings[step])]]))
  )
}

const responseJson = (response: ActivationResponse.ActivationResponse) => ({
  statusCode: response.statusCode,
  ...(response.result === undefined ? {} : { result: response.result }),
  ...(response.size === undefined ? {} : { size: response.size })
})

/** The `--json` document. */
export const toJson = (report: InvocationReport) => ({
  container: report.container,
  timings: report.timings,
  activations: report.activations.map((activation) => ({
    start: activation.start,
    containerId: activation.containerId ?? null,
    response: responseJson(activation.response),
    logs: activation.logs,
    timings: activation.timings
  })),
  ...(report.error === undefined ? {} : { error: report.error })
})

export const ms = (millis: Millis) => `${millis.toFixed(1)} ms`

const timingLine = (timings: Readonly<Record<string, Millis | undefined>>): string =>
  Object.entries(timings)
    .flatMap(([step, millis]) => (millis === undefined ? [] : [`${step} ${ms(millis)}`]))
    .join(" · ")

const indent = (text: string) => text.split("\n").map((line) => `  ${line}`).join("\n")

/**
 * The report for a person: each activation's start kind and container, its result and logs, and how long each step
 * took. A result that is an error is printed as its text, one line per line, with `paths` turning the runtime's file
 * names into the user's.
 */
export const toText = (report: InvocationReport, paths: (text: string) => string = (text) => text): string => {
  const lines: Array<string> = []
  const { container, timings } = report
  lines.push(
    container.id === null
      ? `container  not created (image ${container.image})`
      : `container  ${container.id.slice(0, 12)}  ${container.image}`
  )
  report.activations.forEach((activation, index) => {
    const { response } = activation
    lines.push("")
    const where = activation.containerId === undefined
      ? "no container created"
      : `${activation.start} start in container ${activation.containerId.slice(0, 12)}`
    lines.push(
      `activation ${index + 1}/${report.activations.length}: ${response.status} (statusCode ${response.statusCode}) · ${where}`
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
  if (report.error !== undefined) lines.push(`error      ${report.error}`)
  return lines.join("\n")
}
