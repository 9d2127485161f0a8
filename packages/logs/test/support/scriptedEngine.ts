// An engine's log stream in memory, as `LogSource.EngineStream` asks it: each request gets the records at or after
// its `since` (among its `tail` last ones), then (following) waits for more, polling every millisecond of real time. A test can append records,
// make the engine end the next requests after so many records (a closed stream), or remove the container: the
// open stream then ends, and every later request fails with the engine's NotFound.
import { Errors, LogSource, Messages } from "@effect-whisk/core"
import { Effect, Option, Stream } from "effect"

export const sentinel = `${Messages.activationLogSentinel}\n`

/** Nanoseconds since the epoch of `2026-12-03T10:00:00.<n padded to 9>Z`. */
export const at = (n: number): bigint => LogSource.parseTime("2026-12-03T10:00:00Z")! + BigInt(n)

export const out = (time: bigint, text: string): LogSource.LogRecord => ({ time, stream: "stdout", text })
export const err = (time: bigint, text: string): LogSource.LogRecord => ({ time, stream: "stderr", text })

/** An activation's records as a managed runtime leaves them: its lines, then the sentinel on stdout and on stderr. */
export const activation = (time: bigint, ...lines: ReadonlyArray<string>): Array<LogSource.LogRecord> => [
  ...lines.map((line) => out(time, `${line}\n`)),
  out(time, sentinel),
  err(time, sentinel)
]

export interface ScriptedEngine {
  readonly source: LogSource.EngineStream
  readonly append: (...records: ReadonlyArray<LogSource.LogRecord>) => void
  /** The next requests end after this many records each (0: the engine answers and closes at once). */
  readonly closeAfter: (...counts: ReadonlyArray<number>) => void
  readonly remove: () => void
  readonly requests: Array<LogSource.StreamRequest>
}

export const scriptedEngine = (initial: ReadonlyArray<LogSource.LogRecord> = []): ScriptedEngine => {
  const records = [...initial]
  const requests: Array<LogSource.StreamRequest> = []
  const closing: Array<number> = []
  let removed = false
  const source = LogSource.engineStream((request) =>
    Stream.suspend(() => {
      requests.push(request)
      if (removed) {
        return Stream.fail(
          new Errors.DockerEngineError({ operation: "logs", target: "testId", reason: "NotFound", statusCode: 404 })
        )
      }
      const limit = closing.shift() ?? Number.POSITIVE_INFINITY
      let index = request.tail === undefined ? 0 : Math.max(0, records.length - request.tail)
      let given = 0
      const next: Effect.Effect<LogSource.LogRecord, Option.Option<never>> = Effect.suspend(() => {
        if (given >= limit || removed) return Effect.fail(Option.none())
        while (index < records.length && records[index]!.time < request.since) index++
        if (index < records.length && (request.until === undefined || records[index]!.time <= request.until)) {
          given++
          return Effect.succeed(records[index++]!)
        }
        if (!request.follow || index < records.length) return Effect.fail(Option.none())
        return Effect.zipRight(Effect.sleep("1 millis"), next)
      })
      return Stream.repeatEffectOption(next)
    }), { tail: true }
  ) as LogSource.EngineStream
  return {
    source,
    append: (...more) => void records.push(...more),
    closeAfter: (...counts) => void closing.push(...counts),
    remove: () => {
      removed = true
    },
    requests
  }
}
