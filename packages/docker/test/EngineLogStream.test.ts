// The engine's log stream without a real engine: the demultiplexing of its frames (LogFrames), and DockerodeEngine
// with `logSource: "api"` over a stand-in engine API that streams frames as it likes: cut anywhere, closed in the
// middle of an activation, answered 404 for a removed container, or not at all.
import { ByteSize, ContainerId, DockerEngine, EngineConfig, LogSource, Messages } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import { ActivationLogs } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import type * as http from "node:http"
import { LogFrames } from "../src/internal/engineLogStream.js"
import { fakeEngine, type FakeRequest } from "./support/fakeEngine.js"

const id = ContainerId.make("a".repeat(64))
const sentinel = `${Messages.activationLogSentinel}\n`

/** One frame of the multiplexed stream: its header (1 stdout, 2 stderr) and payload. */
const frame = (kind: 1 | 2, payload: string): Buffer => {
  const body = Buffer.from(payload, "utf8")
  const header = Buffer.alloc(8)
  header[0] = kind
  header.writeUInt32BE(body.length, 4)
  return Buffer.concat([header, body])
}
const stamp = (n: number) => `2026-12-03T10:00:00.${String(n).padStart(9, "0")}Z`
const out = (n: number, text: string) => frame(1, `${stamp(n)} ${text}`)
const err = (n: number, text: string) => frame(2, `${stamp(n)} ${text}`)
const time = (n: number) => LogSource.parseTime(stamp(n))!

const demux = (reads: ReadonlyArray<Uint8Array>) => {
  const frames = new LogFrames()
  const records: Array<LogSource.LogRecord> = []
  for (const read of reads) assert.isUndefined(frames.push(read, records))
  frames.end(records)
  return records
}

/** The bytes cut at every position: the records must not depend on where the reads end. */
const everyCut = (bytes: Buffer) => Array.from({ length: bytes.length - 1 }, (_, i) => [bytes.subarray(0, i + 1), bytes.subarray(i + 1)])

describe("LogFrames: the engine's multiplexed log stream as records", () => {
  it("a frame holding many lines, stdout and stderr interleaved, times parsed to the nanosecond", () => {
    const bytes = Buffer.concat([out(1, "one\n"), err(2, "two\n"), frame(1, `${stamp(3)} three\n${stamp(4)} four\n`), err(5, sentinel)])
    assert.deepStrictEqual(demux([bytes]), [
      { time: time(1), stream: "stdout", text: "one\n" },
      { time: time(2), stream: "stderr", text: "two\n" },
      { time: time(3), stream: "stdout", text: "three\n" },
      { time: time(4), stream: "stdout", text: "four\n" },
      { time: time(5), stream: "stderr", text: sentinel }
    ])
  })

  it("a line split across frames and across reads, anywhere: the same records", () => {
    // The second frame continues the first's line (no time of its own); a multi-byte character is cut too.
    const bytes = Buffer.concat([frame(1, `${stamp(1)} split a`), frame(1, "cross frames é\n"), err(2, "whole\n")])
    const expected = [
      { time: time(1), stream: "stdout" as const, text: "split across frames é\n" },
      { time: time(2), stream: "stderr" as const, text: "whole\n" }
    ]
    assert.deepStrictEqual(demux([bytes]), expected)
    for (const reads of everyCut(bytes)) assert.deepStrictEqual(demux(reads), expected)
  })

  it("a message without a line end, then a new message: a record without a line end, as the json-file log keeps it", () => {
    // What Podman 4.3 gave for `echo one; printf partial; echo two >&2` (whole-second times).
    const bytes = Buffer.concat([
      frame(1, "2026-12-03T10:17:29Z one\n"),
      frame(1, "2026-12-03T10:17:29Z partial"),
      frame(2, "2026-12-03T10:17:29Z two\n")
    ])
    const second = LogSource.parseTime("2026-12-03T10:17:29Z")!
    assert.deepStrictEqual(demux([bytes]), [
      { time: second, stream: "stdout", text: "one\n" },
      { time: second, stream: "stdout", text: "partial" },
      { time: second, stream: "stderr", text: "two\n" }
    ])
    // At the end of the stream, too.
    assert.deepStrictEqual(demux([frame(1, `${stamp(7)} last`)]), [{ time: time(7), stream: "stdout", text: "last" }])
  })

  it("a stream that is not multiplexed is refused", () => {
    const problem = new LogFrames().push(Buffer.from("2026-12-03T10:00:00Z raw tty output\n"), [])
    assert.match(problem ?? "", /not a multiplexed log stream/)
  })
})

// --- DockerodeEngine over a stand-in engine ---

const options = (waitForSentinel: boolean, idleTimeout: Duration.DurationInput = "2 seconds"): ActivationLogs.Options => ({
  limit: ByteSize.megabytes(1),
  waitForSentinel,
  idleTimeout,
  timeoutPerMB: "2 seconds",
  pollInterval: "5 millis"
})

const textOf = (raw: string) => (JSON.parse(raw) as { log: string }).log

type Streamer = (request: FakeRequest, response: http.ServerResponse) => void

const docker = { Version: "20.10.24", ApiVersion: "1.41", Components: [{ Name: "Engine", Version: "20.10.24" }] }
const podman = { Version: "4.3.1", ApiVersion: "1.41", Components: [{ Name: "Podman Engine", Version: "4.3.1" }] }

/**
 * The engine with `logSource: "api"` over a stand-in whose log requests `stream` answers, and whose version is
 * Docker's (or the one given); other calls are 404.
 */
const apiEngine = (stream: Streamer, logs: Duration.DurationInput = "5 seconds", version: object = docker) =>
  Effect.gen(function*() {
    const fake = yield* fakeEngine((request, _respond, response) => {
      if (request.path.endsWith(`/containers/${id}/logs`)) {
        stream(request, response)
        return undefined
      }
      if (request.path.endsWith("/version")) return { status: 200, body: version }
      return { status: 404, body: { message: "not scripted" } }
    })
    const engine = yield* DockerEngine.DockerEngine.pipe(
      Effect.provide(DockerodeEngine.layerWithClient(fake.docker).pipe(
        Layer.provide(EngineConfig.layerWith({
          logSource: "api",
          timeouts: { ...EngineConfig.defaults.timeouts, logs: Duration.decode(logs) }
        }))
      ))
    )
    return { fake, engine, logRequests: () => fake.matching("GET", /\/logs$/) }
  })

const multiplexed = (response: http.ServerResponse) =>
  response.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" })

describe("DockerodeEngine.logSource with logSource api", () => {
  it.scopedLive("asks with follow, stdout, stderr, timestamps; a reconnection asks for the last records, cut frames and all", () =>
    Effect.gen(function*() {
      // The container's whole log; a request with `since` gets what is at or after it (the engine's filter).
      const log: ReadonlyArray<readonly [number, Buffer]> = [
        [1, out(1, "a\n")],
        [2, err(2, "b\n")],
        [3, out(3, "c\n")],
        [4, out(4, "d\n")],
        [5, out(5, sentinel)],
        [5, err(5, sentinel)]
      ]
      const { engine, logRequests } = yield* apiEngine((request, response) => {
        multiplexed(response)
        if (!request.query.has("since") && !request.query.has("tail")) {
          // Cut in the middle of a frame's header, then in a payload; then the engine closes the stream.
          const bytes = Buffer.concat(log.slice(0, 3).map(([, bytes]) => bytes))
          response.write(bytes.subarray(0, 3))
          setTimeout(() => {
            response.write(bytes.subarray(3, 30))
            setTimeout(() => response.end(bytes.subarray(30)), 5)
          }, 5)
        } else {
          // The engine's filters: the last `tail` records, those at or after `since`.
          const tail = Number(request.query.get("tail") ?? log.length)
          const since = BigInt((request.query.get("since") ?? "0").replace(".", ""))
          response.end(Buffer.concat(log.slice(-tail).filter(([n]) => time(n) >= since).map(([, bytes]) => bytes)))
        }
      })
      const source = yield* engine.logSource(id)
      assert.strictEqual(source._tag, "EngineStream")
      const cursor = yield* ActivationLogs.makeCursor
      const lines = yield* ActivationLogs.collectAll(source, cursor, options(true))
      assert.deepStrictEqual(lines.map(textOf), ["a\n", "b\n", "c\n", "d\n"])
      const queries = logRequests().map((request) => Object.fromEntries(request.query))
      assert.deepStrictEqual(queries[0], { follow: "true", stdout: "true", stderr: "true", timestamps: "true" })
      // From the cursor: its last 256 records and as many as it has seen (here the whole log, which holds them).
      assert.deepStrictEqual(queries.slice(1).map((query) => [query.tail, query.since]), [["258", undefined]])
    }))

  it.scopedLive("a collection that does not wait for sentinels asks once without follow", () =>
    Effect.gen(function*() {
      const { engine, logRequests } = yield* apiEngine((_request, response) => {
        multiplexed(response)
        response.end(Buffer.concat([out(1, "blackbox\n"), err(2, "output\n")]))
      })
      const lines = yield* ActivationLogs.collectAll(yield* engine.logSource(id), yield* ActivationLogs.makeCursor, options(false))
      assert.deepStrictEqual(lines.map(textOf), ["blackbox\n", "output\n"])
      assert.deepStrictEqual(logRequests().map((request) => request.query.get("follow")), ["false"])
    }))

  it.scopedLive("a container removed while its logs are read: the stream ends, the next request is a 404, the collection fails with NotFound", () =>
    Effect.gen(function*() {
      let removed: (() => void) | undefined
      const { engine } = yield* apiEngine((_request, response) => {
        if (removed !== undefined) {
          response.writeHead(404, { "Content-Type": "application/json" })
          response.end(JSON.stringify({ message: `No such container: ${id}` }))
          return
        }
        multiplexed(response)
        response.write(out(1, "working\n"))
        removed = () => response.end()
      })
      const collecting = yield* Effect.fork(
        ActivationLogs.collectAll(yield* engine.logSource(id), yield* ActivationLogs.makeCursor, options(true, "60 seconds"))
      )
      yield* Effect.sleep("100 millis")
      removed?.()
      const error = yield* Effect.flip(Fiber.join(collecting))
      assert.strictEqual(error._tag, "DockerEngineError")
      assert.strictEqual(error._tag === "DockerEngineError" ? error.reason : "", "NotFound")
    }), 20_000)

  it.scopedLive("an engine that does not answer the log request: a Timeout at the logs timeout, and the request is abandoned", () =>
    Effect.gen(function*() {
      const { engine, logRequests } = yield* apiEngine(() => {}, "200 millis")
      const error = yield* Effect.flip(
        ActivationLogs.collectAll(yield* engine.logSource(id), yield* ActivationLogs.makeCursor, options(true, "60 seconds"))
      )
      assert.strictEqual(error._tag, "DockerEngineError")
      assert.strictEqual(error._tag === "DockerEngineError" ? error.reason : "", "Timeout")
      yield* Effect.sleep("50 millis")
      assert.isTrue(logRequests()[0]!.aborted)
    }), 20_000)

  it.scopedLive("interrupted while following: the engine sees the connection closed", () =>
    Effect.gen(function*() {
      const { engine, logRequests } = yield* apiEngine((_request, response) => {
        multiplexed(response)
        response.write(out(1, "a\n"))
      })
      const collecting = yield* Effect.fork(
        ActivationLogs.collectAll(yield* engine.logSource(id), yield* ActivationLogs.makeCursor, options(true))
      )
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(collecting)
      yield* Effect.sleep("50 millis")
      assert.isTrue(logRequests()[0]!.aborted)
    }))

  it.scopedLive("beyond the largest tail, a request asks since the cursor's time in UNIX seconds with nine digits", () =>
    Effect.gen(function*() {
      // An engine whose tails never reach back: each gives one new record first.
      const { engine, logRequests } = yield* apiEngine((request, response) => {
        multiplexed(response)
        if (request.query.has("tail")) return void response.end(out(1_000_000 + Number(request.query.get("tail")), "young\n"))
        const first = [out(1, "a\n"), err(2, "b\n"), out(2, sentinel), err(2, sentinel)]
        // `since` includes its time: the records at 2 come again.
        if (request.query.has("since")) return void response.end(Buffer.concat([...first.slice(1), out(3, "c\n"), out(4, sentinel), err(4, sentinel)]))
        response.end(Buffer.concat(first))
      })
      const source = yield* engine.logSource(id)
      const cursor = yield* ActivationLogs.makeCursor
      assert.deepStrictEqual((yield* ActivationLogs.collectAll(source, cursor, options(true))).map(textOf), ["a\n", "b\n"])
      assert.deepStrictEqual((yield* ActivationLogs.collectAll(source, cursor, options(true))).map(textOf), ["c\n"])
      const queries = logRequests().map((request) => Object.fromEntries(request.query))
      // 256 and the three seen records at 2, then four times as many while the answers start with a new record.
      assert.deepStrictEqual(queries.slice(1).map((query) => query.tail ?? query.since), [
        "259",
        "1036",
        "4144",
        "16576",
        "1796292000.000000002"
      ])
    }))

  it.scopedLive("on Podman, whose tail joins partial lines differently, a request from a cursor asks since its time", () =>
    Effect.gen(function*() {
      const { engine, logRequests } = yield* apiEngine((request, response) => {
        multiplexed(response)
        const first = [out(1, "a\n"), out(2, sentinel), err(2, sentinel)]
        if (request.query.has("since")) return void response.end(Buffer.concat([...first.slice(1), out(3, "b\n"), out(4, sentinel), err(4, sentinel)]))
        response.end(Buffer.concat(first))
      }, "5 seconds", podman)
      const source = yield* engine.logSource(id)
      assert.isTrue(source._tag === "EngineStream" && !source.tail)
      const cursor = yield* ActivationLogs.makeCursor
      assert.deepStrictEqual((yield* ActivationLogs.collectAll(source, cursor, options(true))).map(textOf), ["a\n"])
      assert.deepStrictEqual((yield* ActivationLogs.collectAll(source, cursor, options(true))).map(textOf), ["b\n"])
      assert.deepStrictEqual(logRequests().map((request) => request.query.get("tail")), [null, null])
      assert.strictEqual(logRequests()[1]!.query.get("since"), "1796292000.000000002")
    }))
})
