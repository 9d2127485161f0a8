import type { FigureResult } from "./context.js"
import type { Machine } from "./machine.js"
import type { Summary } from "./stats.js"
import { round, roundSummary } from "./stats.js"

export interface BenchReport {
  readonly date: string
  readonly durationSeconds: number
  readonly machine: Machine
  readonly figures: ReadonlyArray<FigureResult>
}

const cell = (summary: Summary) =>
  `${summary.median.toFixed(2)} [${summary.min.toFixed(2)}–${summary.max.toFixed(2)}]`

const pad = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((text, column) => text.padEnd(widths[column]!)).join("  ").trimEnd()).join("\n")
}

/** One row per series: median [min–max] (and p50 / p99), with each figure's ratios and goal. */
export const table = (report: BenchReport): string => {
  const rows: Array<Array<string>> = [["#", "figure", "series", "median [min–max]", "p50", "p99", "n"]]
  for (const figure of report.figures) {
    Object.entries(figure.series).forEach(([name, summary], index) => {
      rows.push([
        index === 0 ? String(figure.figure) : "",
        index === 0 ? `${figure.title} (${figure.unit})` : "",
        name,
        cell(summary),
        summary.p50.toFixed(2),
        summary.p99.toFixed(2),
        String(summary.n)
      ])
    })
    const ratios = Object.entries(figure.ratios).map(([name, value]) => `${name} = ${value.toFixed(2)}`).join(", ")
    const took = figure.seconds === undefined ? "" : `${figure.seconds.toFixed(0)} s`
    rows.push(["", "", `→ ${ratios}`, `goal: ${figure.goal}`, figure.met ? "met" : "NOT MET", took, ""])
  }
  const { machine } = report
  return [
    `effect-whisk benchmark, ${report.date}, ${report.durationSeconds.toFixed(0)} s`,
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}, ${machine.engine} ${machine.docker}, ${machine.runc}`,
    "",
    pad(rows)
  ].join("\n")
}

/** The JSON file: every summary and ratio rounded to two decimals. */
export const toJson = (report: BenchReport) => ({
  ...report,
  durationSeconds: round(report.durationSeconds),
  figures: report.figures.map((figure) => ({
    ...figure,
    ...(figure.seconds === undefined ? {} : { seconds: round(figure.seconds) }),
    series: Object.fromEntries(Object.entries(figure.series).map(([name, summary]) => [name, roundSummary(summary)])),
    ratios: Object.fromEntries(Object.entries(figure.ratios).map(([name, value]) => [name, round(value)]))
  }))
})
