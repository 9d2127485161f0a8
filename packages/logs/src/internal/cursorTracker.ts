import { LogSource } from "@effect-whisk/core"

/**
 * A stream cursor moved on record by record (LogSource.StreamCursor says what it holds). After each record taken,
 * `time` rises to the latest time no later record can be before: the earlier of the two streams' last times (each
 * stream's times only grow), and at least the latest time less the reorder window; the seen times below it go.
 *
 * @internal
 */
export class CursorTracker {
  time: bigint
  /** Ascending; a record is inserted from the end, where it almost always belongs. */
  private readonly seen: Array<bigint>
  private lastOut: bigint | undefined
  private lastErr: bigint | undefined
  private latest: bigint

  constructor(from: LogSource.StreamCursor) {
    this.time = from.time
    this.seen = [...from.seen]
    this.lastOut = from.last.stdout
    this.lastErr = from.last.stderr
    this.latest = [from.time, ...from.seen, from.last.stdout ?? 0n, from.last.stderr ?? 0n].reduce((a, b) => (a > b ? a : b))
  }

  /** How many records the engine gives first from `time` on that were taken already. */
  get skip(): number {
    return this.seen.length
  }

  take(record: Pick<LogSource.LogRecord, "time" | "stream">): void {
    const time = record.time
    if (time >= this.time) {
      let at = this.seen.length
      while (at > 0 && this.seen[at - 1]! > time) at--
      this.seen.splice(at, 0, time)
    }
    if (record.stream === "stdout") this.lastOut = time
    else this.lastErr = time
    if (time > this.latest) this.latest = time
    const windowed = this.latest - LogSource.reorderWindow
    const streams = this.lastOut === undefined || this.lastErr === undefined
      ? windowed
      : this.lastOut < this.lastErr
      ? this.lastOut
      : this.lastErr
    const floor = streams > windowed ? streams : windowed
    if (floor > this.time) {
      this.time = floor
      let drop = 0
      while (drop < this.seen.length && this.seen[drop]! < floor) drop++
      if (drop > 0) this.seen.splice(0, drop)
    }
  }

  get cursor(): LogSource.StreamCursor {
    return { time: this.time, seen: [...this.seen], last: { stdout: this.lastOut, stderr: this.lastErr } }
  }
}
