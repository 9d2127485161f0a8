import type { ContainerPool } from "@effect-whisk/pool"
import { type Millis, ms, type StartKind, startKind } from "./report.js"

/** One activation of a load run: how long the caller waited for its record, or why none came. */
export type Sample =
  | { readonly _tag: "Record"; readonly latency: Millis; readonly activation: ContainerPool.Activation }
  | { readonly _tag: "Failure"; readonly latency: Millis; readonly message: string }

export interface Percentiles {
  readonly p50: Millis
  readonly p90: Millis
  readonly p99: Millis
}

export interface LoadSummary {
  readonly callers: number
  readonly actions: number
  /** From the first activation started to the last one ended. */
  readonly elapsed: Millis
  readonly activations: number
  /** Activations per second over `elapsed`. */
  readonly throughput: number
  readonly starts: Readonly<Record<StartKind, number>>
  /** Activations that did not end in success: a response that is not `success`, or none at all. */
  readonly errors: number
  /** The first error's text, to start looking from. */
  readonly firstError?: string
  /** Of every activation that gave a record (errors included), nearest rank; 0 when none did. */
  readonly latency: Percentiles
}

const round = (value: number) => Math.round(value * 100) / 100

/** The nearest-rank percentile of sorted values: the smallest value that at least `p` percent are not above. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

export const summarize = (
  samples: ReadonlyArray<Sample>,
  run: { readonly callers: number; readonly actions: number; readonly elapsed: Millis }
): LoadSummary => {
  const starts: Record<StartKind, number> = { warm: 0, prewarmed: 0, cold: 0 }
  const latencies: Array<number> = []
  let errors = 0
  let firstError: string | undefined
  for (const sample of samples) {
    if (sample._tag === "Failure") {
      errors++
      firstError ??= sample.message
      continue
    }
    const { activation } = sample
    starts[startKind(activation.start)]++
    latencies.push(sample.latency)
    if (!activation.response.isSuccess) {
      errors++
      const result = activation.response.result as { readonly error?: unknown } | undefined
      firstError ??= `${activation.response.status}: ${typeof result?.error === "string" ? result.error : JSON.stringify(result)}`
    }
  }
  latencies.sort((a, b) => a - b)
  return {
    callers: run.callers,
    actions: run.actions,
    elapsed: round(run.elapsed),
    activations: samples.length,
    throughput: run.elapsed > 0 ? round((samples.length * 1000) / run.elapsed) : 0,
    starts,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    latency: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99))
    }
  }
}

/** 0 when every activation succeeded, 1 when some did not, 3 when none ran. */
export const exitStatus = (summary: LoadSummary): number =>
  summary.activations === 0 ? 3 : summary.errors > 0 ? 1 : 0

export const toText = (summary: LoadSummary, action: string): string =>
  [
    `load        ${action} ×${summary.actions} · ${summary.callers} callers · ${(summary.elapsed / 1000).toFixed(1)} s`,
    `activations ${summary.activations} · ${summary.throughput.toFixed(1)}/s · errors ${summary.errors}`,
    `starts      warm ${summary.starts.warm} · prewarmed ${summary.starts.prewarmed} · cold ${summary.starts.cold}`,
    `latency     p50 ${ms(summary.latency.p50)} · p90 ${ms(summary.latency.p90)} · p99 ${ms(summary.latency.p99)}`,
    ...(summary.firstError === undefined ? [] : [`first error ${summary.firstError}`])
  ].join("\n")
