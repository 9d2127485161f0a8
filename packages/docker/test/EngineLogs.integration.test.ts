// Activation logs through the engine's log API on the real engine (`logSource: "api"`, as EFFECT_WHISK_LOG_SOURCE=api
// sets it): the same lines as the json-file log of the same container (sentinels left out, Docker's escapes and times,
// the limit and its notice), logs that go on across activations, and a container removed while its logs are read.
// Containers are created in each test's scope, so they are removed however it ends.
import { ByteSize, ContainerId, DockerEngine, LogSource, LogsConfig, Messages, type WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import Docker from "dockerode"
import { ActivationLogs, EngineLogStore } from "@effect-whisk/logs"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream } from "effect"
import { beforeAll } from "vitest"
import { liveLayer } from "./support/liveLayer.js"
import { docker, skipWithoutEngine } from "./support/realEngine.js"

const live = (config: WhiskConfig.Overrides = {}) =>
  liveLayer(ContainerHttpClient.layer, { ...config, engine: { logSource: "api" }, container: { namePrefix: "ewit-enginelogs" } })

beforeAll(() => skipWithoutEngine ? undefined : ensureRuntimeImage(), 600_000)

const action = `
function main(params) {
  for (let i = 0; i < params.lines; i++) console.log("line " + i + " of " + params.marker + ": <a & b>\\t\\"quoted\\" é")
  console.error(params.marker + " on stderr")
  return { marker: params.marker }
}`

const options = { timeout: Duration.seconds(20), maxConcurrent: 1 }

const textOf = (raw: string) => (JSON.parse(raw) as { log: string }).log

const started = Effect.tap(
  DockerContainer.createScoped({ image: imageTag, userProvided: false }),
  (container) => container.initialize({ name: "enginelogs", main: "main", binary: false, code: action }, options)
)

const run = (container: DockerContainer.DockerContainer, marker: string, lines: number) =>
  Effect.tap(container.run({ marker, lines }, { activation_id: marker }, options), (outcome) =>
    assert.strictEqual(outcome.response.statusCode, 0, JSON.stringify(outcome.response)))

/** The same container's json-file log, read from this machine with a cursor of its own. */
const fileOf = (container: DockerContainer.DockerContainer) =>
  Effect.map(ActivationLogs.makeCursor, (cursor) => ({
    source: LogSource.jsonFile(docker("inspect", "--format", "{{.LogPath}}", container.id)),
    cursor
  }))

const activationOptions = (limit: ByteSize.ByteSize, waitForSentinel: boolean) =>
  ActivationLogs.options(LogsConfig.defaults, { limit, waitForSentinel })

// Skip reason: no Docker engine on this developer machine. Never under CI or scripts/test.sh (requireDocker), where a
// missing engine fails the tests.
describe.skipIf(skipWithoutEngine)("activation logs through the engine API", () => {
  it.scopedLive("an activation's lines through the API are those of the json-file log: same bytes, sentinels left out, same truncation", () =>
    Effect.gen(function*() {
      const container = yield* started
      assert.strictEqual(container.capabilities.logSource, "JsonFile")
      const file = yield* fileOf(container)
      const mb = ByteSize.megabytes(1)

      yield* run(container, "first", 20)
      const fromApi = yield* container.logLines({ limit: mb, waitForSentinel: true })
      assert.strictEqual(container.capabilities.logSource, "LogStream")
      const fromFile = yield* ActivationLogs.collectAll(file.source, file.cursor, activationOptions(mb, true))
      assert.strictEqual(fromApi.length, 21)
      assert.deepStrictEqual(fromApi, fromFile)
      assert.isFalse(fromApi.some((line) => line.includes(Messages.activationLogSentinel)))

      // A limit the activation passes: the same lines up to it, then the truncation notice (stamped when each
      // collection ended), and the rest of the activation passed over by both.
      const limit = ByteSize.bytes(1000)
      yield* run(container, "second", 50)
      const truncatedApi = yield* container.logLines({ limit, waitForSentinel: true })
      const truncatedFile = yield* ActivationLogs.collectAll(file.source, file.cursor, activationOptions(limit, true))
      assert.deepStrictEqual(truncatedApi.slice(0, -1), truncatedFile.slice(0, -1))
      assert.deepStrictEqual([textOf(truncatedApi.at(-1)!), textOf(truncatedFile.at(-1)!)], [
        Messages.truncateLogs(limit),
        Messages.truncateLogs(limit)
      ])

      // Without waiting for sentinels (a developer error, a blackbox): what the log holds, the same from both.
      yield* run(container, "third", 3)
      yield* Effect.sleep("200 millis")
      const restApi = yield* container.logLines({ limit: mb, waitForSentinel: false })
      const restFile = yield* ActivationLogs.collectAll(file.source, file.cursor, activationOptions(mb, false))
      assert.deepStrictEqual(restApi, restFile)
      assert.deepStrictEqual(restApi.map(textOf).filter((text) => text.includes("third")).length, 4)
    }).pipe(Effect.provide(live())), 120_000)

  it.scopedLive("logs go on across activations: each collection has exactly its activation's lines, streamed or all at once", () =>
    Effect.gen(function*() {
      const container = yield* started
      for (let round = 0; round < 6; round++) {
        const marker = `round-${round}`
        yield* run(container, marker, round)
        const limits = { limit: ByteSize.megabytes(1), waitForSentinel: true }
        const lines = round % 2 === 0
          ? yield* container.logLines(limits)
          : Chunk.toReadonlyArray(yield* Stream.runCollect(container.logs(limits)))
        // Sorted: how stdout and stderr lines interleave is the engine's doing.
        assert.deepStrictEqual(
          lines.map(textOf).sort(),
          [
            ...Array.from({ length: round }, (_, i) => `line ${i} of ${marker}: <a & b>\t"quoted" é\n`),
            `${marker} on stderr\n`
          ].sort()
        )
      }
    }).pipe(Effect.provide(live())), 120_000)

  it.scopedLive("a container removed while its logs are read: the collection fails with the engine's NotFound, not at a timeout", () =>
    Effect.gen(function*() {
      const container = yield* started
      const engine = yield* DockerEngine.DockerEngine
      // The collection waits for an activation that never comes; its idle timeout is longer than this test's.
      const source = yield* engine.logSource(ContainerId.make(container.id))
      const cursor = yield* ActivationLogs.makeCursor
      const collecting = yield* Effect.fork(ActivationLogs.collectAll(source, cursor, {
        ...activationOptions(ByteSize.megabytes(1), true),
        idleTimeout: Duration.minutes(5)
      }))
      yield* Effect.sleep("500 millis")
      yield* engine.remove(container.id)
      const error = yield* Effect.flip(Fiber.join(collecting))
      assert.strictEqual(error._tag, "DockerEngineError")
      assert.strictEqual(error._tag === "DockerEngineError" ? error.reason : "", "NotFound")
    }).pipe(Effect.provide(live())), 60_000)

  it.scopedLive("B33 the development log store: the activation's stdout lines between its start and end + 1 s, up to its sentinel", () =>
    Effect.gen(function*() {
      const container = yield* started
      const mb = { limit: ByteSize.megabytes(1), waitForSentinel: true }
      // The engine stamps a line when it reads it: without this collection, which ends once the engine has written
      // the earlier activation's sentinels, its lines could be stamped after the next /run started (seen here:
      // 1–2 ms late) and be taken for the next activation's (B33).
      yield* run(container, "before", 2)
      yield* container.logLines(mb)
      const outcome = yield* run(container, "dev", 3)
      yield* container.logLines(mb)
      const lines = yield* EngineLogStore.fetch(
        DockerodeEngine.logStream(new Docker(), ContainerId.make(container.id)),
        outcome.interval
      )
      assert.deepStrictEqual(
        lines.map((line) => line.slice(line.indexOf(" ") + 1)),
        [0, 1, 2].map((i) => `line ${i} of dev: <a & b>\t"quoted" é`),
        `${JSON.stringify(outcome.interval)} ${JSON.stringify(lines)}`
      )
      assert.match(lines[0]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z /)
    }).pipe(Effect.provide(live())), 60_000)
})
