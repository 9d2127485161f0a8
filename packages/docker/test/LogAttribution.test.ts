// DockerContainer's wiring of LogsGate over the mock engine: /runs with maxConcurrent 1 queued at once alternate
// with their collections, so each activation gets exactly its own lines, even when the runtime writes its stderr
// line and sentinel after /run has answered (the cause seen on the real engine). The log file is a Ref that the
// mock engine's rawLogs tails from the offset it is given.
import { ByteSize, ContainerHttp, ContainerResponse, LogLine, LogSource, Messages } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Ref, Stream } from "effect"

const runOptions = { timeout: Duration.seconds(5), maxConcurrent: 1 }
const logsOptions = { limit: ByteSize.megabytes(1), waitForSentinel: true }
const textOf = (raw: string) => LogLine.stripLineEnd((JSON.parse(raw) as { log: string }).log)
const encode = (text: string) => new TextEncoder().encode(text)
const time = "2026-01-01T00:00:00.000000000Z"
const line = (stream: "stdout" | "stderr", text: string) => `${LogLine.make(time, stream, `${text}\n`).json}\n`

describe("DockerContainer with maxConcurrent 1", () => {
  it.live("activations queued at once: each /run after the previous collection, each exactly its own lines", () =>
    Effect.gen(function*() {
      const file = yield* Ref.make(new Uint8Array())
      const append = (text: string) =>
        Ref.update(file, (old) => {
          const next = new Uint8Array(old.length + encode(text).length)
          next.set(old)
          next.set(encode(text), old.length)
          return next
        })
      // Tails the file, as the engine does with follow: new bytes as they come, until the collection stops reading.
      const tail = (offset: number) =>
        Stream.unwrap(Effect.map(Ref.make(offset), (at) =>
          Stream.repeatEffect(Effect.gen(function*() {
            while (true) {
              const bytes = yield* Ref.get(file)
              const from = yield* Ref.getAndSet(at, bytes.length)
              if (bytes.length > from) return bytes.subarray(from)
              yield* Effect.sleep(Duration.millis(1))
            }
          }))))
      // stdout and its sentinel while /run answers; stderr and its sentinel a moment later.
      const respond: Parameters<typeof ContainerHttp.layerTest>[0] = ({ body }) =>
        Effect.gen(function*() {
          const marker = (body as { activation_id?: string }).activation_id
          if (marker === undefined) return ContainerResponse.make(200, `{"OK":true}`)
          yield* append(line("stdout", `${marker} out`) + line("stdout", Messages.activationLogSentinel))
          yield* Effect.forkDaemon(Effect.zipRight(
            Effect.sleep(Duration.millis(2)),
            append(line("stderr", `${marker} err`) + line("stderr", Messages.activationLogSentinel))
          ))
          return ContainerResponse.make(200, "{}")
        })
      const collected = yield* Effect.gen(function*() {
        const container = yield* DockerContainer.create({ image: "image", userProvided: false })
        return yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) =>
            Effect.zipRight(
              container.run({}, { activation_id: `a${i}` }, runOptions),
              i % 2 === 0
                ? Effect.map(Stream.runCollect(container.logs(logsOptions)), Chunk.toReadonlyArray)
                : container.logLines(logsOptions)
            ).pipe(Effect.map((lines) => [`a${i}`, lines.map(textOf)] as const)),
          { concurrency: "unbounded" }
        )
      }).pipe(Effect.provide(DockerContainer.layerTest({
        engine: { logSource: () => Effect.succeed(LogSource.scripted(tail)) },
        respond,
        config: { logs: { pollInterval: Duration.millis(1) } }
      })))
      for (const [marker, lines] of collected) assert.deepStrictEqual(lines, [`${marker} out`, `${marker} err`])
    }))
})
