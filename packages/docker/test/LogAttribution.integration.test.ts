// Per-activation log attribution on the real engine (issue 14's test): 10 containers of the runtime image, 10
// activations queued at once on each (maxConcurrent 1, each its /run then its logs), 10 rounds. Every activation
// logs its own marker on stdout and stderr; every activation's collected lines must be exactly its own. Before the
// gate (LogsGate), up to 15 of 100 activations per round got another's lines. Run with the logs from the source
// `auto` picks (the json-file log on a local Docker engine, the engine's log API on Podman, whose file is not
// json-file) and through the engine's log API (`logSource: "api"`). Containers are created in the test's scope, so
// they are removed however it ends.
import { ByteSize, LogLine } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Stream } from "effect"
import { beforeAll } from "vitest"
import { liveLayer } from "./support/liveLayer.js"

const live = (logSource: "auto" | "api") =>
  liveLayer(ContainerHttpClient.layer, { engine: { logSource }, container: { namePrefix: `ewit-attribution-${logSource}` } })

beforeAll(() => ensureRuntimeImage(), 600_000)

const action = `
function main(params) {
  console.log(params.marker + " out")
  console.error(params.marker + " err")
  return { marker: params.marker }
}`

const containers = 10
const activations = 10
const rounds = 10

const options = { timeout: Duration.seconds(20), maxConcurrent: 1 }
const logsOptions = { limit: ByteSize.megabytes(1), waitForSentinel: true }

const textOf = (raw: string) => LogLine.stripLineEnd((JSON.parse(raw) as { log: string }).log)

/** Its /run, then its logs (half of them streamed, half taken at once); gives the lines that are not its own. */
const activation = (container: DockerContainer.DockerContainer, marker: string, streamed: boolean) =>
  Effect.gen(function*() {
    const outcome = yield* container.run({ marker }, { activation_id: marker }, options)
    assert.strictEqual(outcome.response.statusCode, 0, `${marker}: ${JSON.stringify(outcome.response)}`)
    const lines = streamed
      ? Chunk.toReadonlyArray(yield* Stream.runCollect(container.logs(logsOptions)))
      : yield* container.logLines(logsOptions)
    const own = [`${marker} err`, `${marker} out`]
    const got = lines.map(textOf).sort()
    return got.length === own.length && got.every((line, i) => line === own[i]) ? [] : [`${marker}: ${got.join(" | ")}`]
  })

describe("per-activation log attribution", () => {
  for (const logSource of ["auto", "api"] as const) {
    it.scopedLive(
      `${containers} containers × ${activations} concurrent activations, ${rounds} rounds: every activation has exactly its own lines (logs from ${logSource === "auto" ? "the source auto picks" : "the engine API"})`,
      () =>
        Effect.gen(function*() {
          const created = yield* Effect.forEach(
            Array.from({ length: containers }, (_, c) => c),
            () =>
              Effect.tap(
                DockerContainer.createScoped({ image: imageTag, userProvided: false }),
                (container) => container.initialize({ name: "attribution", main: "main", binary: false, code: action }, options)
              ),
            { concurrency: 5 }
          )
          for (let round = 0; round < rounds; round++) {
            const wrong = yield* Effect.forEach(
              created.flatMap((container, c) =>
                Array.from({ length: activations }, (_, a) => activation(container, `r${round}c${c}a${a}`, a % 2 === 0))
              ),
              (one) => one,
              { concurrency: "unbounded" }
            )
            assert.deepStrictEqual(wrong.flat(), [], `round ${round}: activations with lines not their own`)
          }
        }).pipe(Effect.provide(live(logSource))),
      120_000
    )
  }
})
