import type { Errors } from "@effect-whisk/core"
import { LogSource } from "@effect-whisk/core"
import { Chunk, Duration, Effect, Either, ExecutionStrategy, Exit, Option, Schedule, Scope, Stream } from "effect"
import { Buffer } from "node:buffer"
import type { Frames } from "./framing.js"
import type { CollectionSettings } from "./activationReading.js"
import { activationStream } from "./collection.js"
import { CursorTracker } from "./cursorTracker.js"
import { jsonFileLine } from "./jsonFileLine.js"
import type { Turn } from "./turn.js"

/**
 * Where a collection from the engine's log stream starts, and how it hands over to the next one: the Turn of the byte
 * sources, with a stream cursor instead of a byte offset.
 *
 * @internal
 */
export interface StreamTurn {
  /** Waits for this collection's turn; interruptible. Once it has returned, `release` runs whatever happens. */
  readonly take: Effect.Effect<void>
  readonly position: Effect.Effect<LogSource.StreamCursor>
  readonly release: (cursor: LogSource.StreamCursor) => Effect.Effect<void>
}

/**
 * After the engine ended a followed stream, the next request goes out after 10 ms, then twice as long each time up
 * to 250 ms: a stream the engine closed under a running container is taken up again at once, and a stopped
 * container, whose stream ends at every request, is not asked more than four times a second. The collection's
 * deadlines bound the whole.
 *
 * @internal
 */
export const reconnectSchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.millis(10)).pipe(
  Schedule.union(Schedule.spaced(Duration.millis(250)))
)

/**
 * How many records a request from a cursor first asks for from the end of the log, growing fourfold while they do
 * not reach back past the cursor, up to `maxTail`; beyond it the engine is asked `since` the cursor's time.
 *
 * @internal
 */
export const firstTail = 256

/** @internal */
export const maxTail = 65_536

/** Drops what a request from the cursor gives first that is not new: records before its time, then its seen ones. */
const newRecords = (at: LogSource.StreamCursor) => {
  let toSkip = at.seen.length
  return (record: LogSource.LogRecord): boolean => {
    if (record.time < at.time) return false
    if (toSkip > 0) {
      toSkip -= 1
      return false
    }
    return true
  }
}

/**
 * The engine's records after a cursor's position.
 *
 * Docker's json-file reader finds a `since` by reading the whole log from its start, so a request `since` the cursor
 * costs the engine the container's whole history (about 250 ms after 40,000 lines here), where `tail` reads from
 * the end. So the last `firstTail` records and as many as the cursor has seen are asked for first, and checked: among those at or after the cursor's
 * time, the first ones must be the cursor's seen ones (told by their times, which Docker gives to the nanosecond).
 * When they are, the answer reaches back past the cursor's position and what follows them is new; when a record
 * that the cursor has not seen comes first (or the answer ends before the seen ones), the tail was too short, and
 * four times as many are asked for, up to `maxTail`, beyond which the engine is asked `since` the cursor's time. Each
 * abandoned answer is closed before the next request. An engine whose `tail` is not to be trusted
 * (`EngineStream.tail`: Podman) is asked `since` the cursor's time at once.
 */
const fromPosition = (
  source: LogSource.EngineStream,
  at: LogSource.StreamCursor,
  follow: boolean
): Stream.Stream<LogSource.LogRecord, Errors.DockerEngineError> => {
  if (at.time === 0n && at.seen.length === 0) return source.records({ since: 0n, follow })
  const since = () => source.records({ since: at.time, follow }).pipe(Stream.filter(newRecords(at)))
  if (!source.tail || at.seen.length === 0) return since()
  const attempt = (tail: number): Stream.Stream<LogSource.LogRecord, Errors.DockerEngineError> =>
    tail > maxTail ? since() : Stream.unwrapScoped(Effect.gen(function*() {
      // The answer's own scope, closed at once when it is abandoned; else with the stream (or its interruption).
      const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
      const pull = yield* Scope.extend(Stream.toPull(source.records({ since: 0n, tail, follow })), scope)
      const expected = new Map<bigint, number>()
      for (const time of at.seen) expected.set(time, (expected.get(time) ?? 0) + 1)
      let remaining = at.seen.length
      let verdict: "Covered" | "Short" | undefined
      const after: Array<LogSource.LogRecord> = []
      while (verdict === undefined) {
        const read = yield* Effect.either(pull)
        if (Either.isLeft(read)) {
          if (Option.isSome(read.left)) return Stream.fail(read.left.value)
          verdict = "Short"
          break
        }
        for (const record of read.right) {
          if (verdict === "Covered") {
            after.push(record)
            continue
          }
          if (record.time < at.time) continue
          const left = expected.get(record.time) ?? 0
          if (left === 0) {
            verdict = "Short"
            break
          }
          expected.set(record.time, left - 1)
          remaining -= 1
          if (remaining === 0) verdict = "Covered"
        }
      }
      if (verdict === "Covered") return Stream.concat(Stream.fromIterable(after), Stream.repeatEffectChunkOption(pull))
      yield* Scope.close(scope, Exit.void)
      return attempt(tail * 4)
    }))
  // The answer must hold the seen records and what came after them: at least as many as there are seen.
  return attempt(firstTail + at.seen.length)
}

/**
 * The records from the cursor on (`fromPosition`), so no record is given twice. Following, every end of the engine's
 * stream is followed by a new request from the last record given: nothing is lost or repeated across a
 * reconnection, and the stream never ends by itself.
 *
 * @internal
 */
export const recordsFrom = (
  source: LogSource.EngineStream,
  from: LogSource.StreamCursor,
  follow: boolean,
  reconnect: Schedule.Schedule<unknown> = reconnectSchedule
): Stream.Stream<LogSource.LogRecord, Errors.DockerEngineError> =>
  Stream.suspend(() => {
    const at = new CursorTracker(from)
    const request = Stream.suspend(() =>
      fromPosition(source, at.cursor, follow).pipe(
        Stream.mapChunks((records) => {
          for (const record of records) at.take(record)
          return records
        })
      )
    )
    return follow ? Stream.repeat(request, reconnect) : request
  })

// The UTF-8 length of a line, without encoding it when it is ASCII (most log lines are).
const byteLength = (line: string): number => {
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) > 0x7f) return Buffer.byteLength(line, "utf8")
  }
  return line.length
}

/**
 * One activation's raw json lines from the engine's log stream, with the rules of every other source: its records
 * become the json-file lines the engine would have written (`jsonFileLine`), each weighed as its bytes and `\n`
 * would be, and go through the same driver and rule engine as a scripted log's bytes (`activationStream`,
 * `ActivationReading.takeLines`): limit, sentinels, notices, deadlines, and passing over the rest of a truncated
 * activation. They are not made into bytes to be split again.
 *
 * The driver counts bytes consumed from the start of the collection; each line's end is mapped here to its record,
 * and the cursor is the collection's start moved on by the records of the consumed lines, so it moves exactly as the
 * offset would: past every consumed line, to right after the last sentinel. A reread from a consumed offset
 * (skipping after a truncation) asks the engine again from the cursor there.
 *
 * @internal
 */
export const streamFromEngine = (
  source: LogSource.EngineStream,
  settings: CollectionSettings,
  follow: boolean,
  turn: StreamTurn,
  reconnect?: Schedule.Schedule<unknown>
): Stream.Stream<string, Errors.DockerEngineError> =>
  Stream.suspend(() => {
    let base: LogSource.StreamCursor = LogSource.streamStart
    // The end offset of each line given, and its record's time and stream (not its text: a large activation's
    // lines are not held), in the order given.
    const ends: Array<number> = []
    const records: Array<Pick<LogSource.LogRecord, "time" | "stream">> = []
    // The cursor after the lines that end at or before the offset: the base moved on by their records.
    const cursorAt = (offset: number): LogSource.StreamCursor => {
      const tracker = new CursorTracker(base)
      for (let i = 0; i < ends.length && ends[i]! <= offset; i++) tracker.take(records[i]!)
      return tracker.cursor
    }
    const byOffset: Turn = {
      take: turn.take,
      position: Effect.map(turn.position, (cursor) => {
        base = cursor
        return { offset: 0, file: undefined }
      }),
      release: ({ offset }) => Effect.suspend(() => turn.release(cursorAt(offset)))
    }
    const bytesFrom = (from: number) =>
      Stream.suspend(() => {
        const start = cursorAt(from)
        // Lines after `from` are read again: their marks go.
        while (ends.length > 0 && ends.at(-1)! > from) {
          ends.pop()
          records.pop()
        }
        let offset = from
        return recordsFrom(source, start, follow, reconnect).pipe(
          Stream.mapChunks((chunk) => {
            const lines: Frames = { texts: [], sizes: [] }
            for (const record of chunk) {
              const line = jsonFileLine(record)
              const size = byteLength(line)
              lines.texts.push(line)
              lines.sizes.push(size)
              offset += size + 1
              ends.push(offset)
              records.push({ time: record.time, stream: record.stream })
            }
            return lines.texts.length === 0 ? Chunk.empty() : Chunk.of(lines)
          })
        )
      })
    return activationStream(bytesFrom, settings, byOffset)
  })
