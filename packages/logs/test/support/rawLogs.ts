// Raw json-file log content as OpenWhisk's tests build it ("raw(X)" in its test catalogue), and a log file
// held in a Ref that a collection reads as a scripted LogSource.
import { type Errors, LogLine, LogSource, Messages } from "@effect-whisk/core"
import { Chunk, Effect, Ref, Stream } from "effect"

/** The bytes of a log from an offset, as a scripted LogSource streams them. */
export type Bytes = (fromOffset: number) => Stream.Stream<Uint8Array, Errors.LogFileError>

export const epoch = "1970-01-01T00:00:00Z"

export const entry = LogLine.make(epoch, "stdout", "This is a log entry.\n")

export const sentinelLines = (time: string): ReadonlyArray<LogLine.LogLine> => [
  LogLine.make(time, "stderr", `${Messages.activationLogSentinel}\n`),
  LogLine.make(time, "stdout", `${Messages.activationLogSentinel}\n`)
]

/** The lines as compact JSON, each ending in `\n`; with the sentinel pair after them when asked. */
export const raw = (lines: ReadonlyArray<LogLine.LogLine>, withSentinels = false): string =>
  [...lines, ...(withSentinels ? sentinelLines(lines.at(-1)?.time ?? epoch) : [])].map((line) => `${line.json}\n`).join("")

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

export const byteLength = (text: string): number => bytes(text).length

/** Splits bytes at the given cut points (sorted, within the bytes). */
export const cutAt = (data: Uint8Array, cuts: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const points = [0, ...cuts, data.length]
  return points.slice(1).map((end, i) => data.subarray(points[i]!, end))
}

/**
 * A log file in memory: `bytes` gives its bytes from an offset in chunks of `chunkSize` and then ends, as OpenWhisk's
 * mock clients do, and `source` is the scripted LogSource over them; `append` writes more; `reads` are the offsets
 * asked for.
 */
export const makeLogFile = (initial = "", chunkSize = Number.POSITIVE_INFINITY) =>
  Effect.gen(function*() {
    const content = yield* Ref.make(bytes(initial))
    const reads = yield* Ref.make<ReadonlyArray<{ readonly offset: number }>>([])
    const read: Bytes = (offset) =>
      Stream.unwrap(Effect.gen(function*() {
        yield* Ref.update(reads, (all) => [...all, { offset }])
        const data = (yield* Ref.get(content)).subarray(offset)
        const cuts = []
        for (let at = chunkSize; at < data.length; at += chunkSize) cuts.push(at)
        return Stream.fromChunk(Chunk.unsafeFromArray(cutAt(data, cuts).filter((part) => part.length > 0)))
      }))
    const append = (text: string) =>
      Ref.update(content, (old) => {
        const added = bytes(text)
        const next = new Uint8Array(old.length + added.length)
        next.set(old)
        next.set(added, old.length)
        return next
      })
    return {
      bytes: read,
      source: LogSource.scripted(read),
      append,
      reads: Ref.get(reads),
      size: Effect.map(Ref.get(content), (data) => data.length)
    }
  })

export const collectAll = <E, R>(stream: Stream.Stream<string, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The log text of a raw json line (or the line itself when it is not one). */
export const logOf = (rawLine: string): string => {
  try {
    return (JSON.parse(rawLine) as { log: string }).log
  } catch {
    return rawLine
  }
}
