import type { DockerContainer } from "@effect-whisk/docker"

/** What every figure shares. */
export interface BenchContext {
  /** The runtime image every container runs. */
  readonly image: string
  /** runc's state root for the engine's containers. */
  readonly runcRoot: string
  /** Every container of the benchmark is named `<prefix>_…`, so leftovers can be removed. */
  readonly prefix: string
  /** The engine is Podman's Docker-compatible service (the raw baselines send what the library sends there). */
  readonly podman: boolean
}

/** One figure's outcome: each series summarised, how it compares, and whether the goal was met. */
export interface FigureResult {
  /** 1–9, or 10a and 10b. */
  readonly figure: number | string
  readonly title: string
  readonly unit: string
  readonly series: Readonly<Record<string, import("./stats.js").Summary>>
  /** library ÷ baseline (or the figure's own measure) by name. */
  readonly ratios: Readonly<Record<string, number>>
  readonly goal: string
  readonly met: boolean
  readonly notes?: ReadonlyArray<string>
  /** How long the figure took to measure, setup included. */
  readonly seconds?: number
}

export type Services = DockerContainer.Services

/** Actions the figures run. */
export const actions = {
  noop: "function main() { return {} }",
  thousandLines: [
    "function main() {",
    "  for (let i = 0; i < 1000; i++) console.log('line ' + i + ' of an activation that writes a thousand lines')",
    "  return {}",
    "}"
  ].join("\n")
}
