// Activation logs across Docker's rotation of a container's json-file log (issue 14): a container created with a
// tiny `max-size` writes activations one at a time, each when the test asks for it, and every activation's
// collection (all at once and as a stream, in turns on one cursor) must hold exactly its own lines while the engine
// rotates the log under it. The container is created with dockerode directly: the library creates containers with no
// log options of their own.
import { ByteSize, ContainerId, DockerEngine, Messages, WhiskConfig } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import { ActivationLogs } from "@effect-whisk/logs"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { assert, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Chunk, Effect, Layer, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll } from "vitest"
import { onPodman } from "./support/realEngine.js"

beforeAll(() => ensureRuntimeImage(), 600_000)

const activations = 30

// Activation n, once /signal/go-n exists: (n % 5 + 1) * 2 lines, then the sentinels on stdout and stderr.
const writer = `
const fs = require("fs")
const sentinel = ${JSON.stringify(Messages.activationLogSentinel)}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
;(async () => {
  for (let n = 0; n < ${activations}; n++) {
    while (!fs.existsSync("/signal/go-" + n)) await sleep(2)
    for (let i = 0; i < (n % 5 + 1) * 2; i++) console.log("activation " + n + " line " + i)
    console.log(sentinel)
    console.error(sentinel)
  }
  await sleep(600000)
})()`

const expected = (n: number) => Array.from({ length: (n % 5 + 1) * 2 }, (_, i) => `activation ${n} line ${i}\n`)

const rotatingContainer = Effect.acquireRelease(
  Effect.promise(async () => {
    const signals = mkdtempSync(join(tmpdir(), "effect-whisk-rotation-"))
    const docker = new Docker()
    const container = await docker.createContainer({
      name: `ewit-logs-rotation-${process.pid}-${randomBytes(4).toString("hex")}`,
      Image: imageTag,
      Entrypoint: ["node", "-e", writer],
      Cmd: [],
      HostConfig: {
        LogConfig: { Type: "json-file", Config: { "max-size": "1k", "max-file": "5" } },
        Binds: [`${signals}:/signal:ro`]
      }
    })
    await container.start()
    return { container, signals }
  }),
  ({ container, signals }) =>
    Effect.promise(async () => {
      await container.remove({ force: true }).catch(() => undefined)
      rmSync(signals, { recursive: true, force: true })
    })
)

const Engine = DockerodeEngine.layer.pipe(Layer.provide(WhiskConfig.layerWith()))

// Skip reason: Docker-local. The suite drives Docker's json-file rotation; Podman writes its log in the k8s-file
// format, whose logs come through the engine API, and has no json-file rotation to test.
describe.skipIf(onPodman)("activation logs on a real container whose json-file log rotates (max-size 1k)", () => {
  it.scopedLive("every activation's lines exactly once, across many rotations", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const { container, signals } = yield* rotatingContainer
      const source = yield* engine.logSource(ContainerId.make(container.id))
      const cursor = yield* ActivationLogs.makeCursor
      const options = ActivationLogs.options(WhiskConfig.defaults.logs, { limit: ByteSize.megabytes(1), waitForSentinel: true })
      for (let n = 0; n < activations; n++) {
        writeFileSync(join(signals, `go-${n}`), "")
        const lines = n % 2 === 0
          ? yield* ActivationLogs.collectAll(source, cursor, options)
          : Chunk.toReadonlyArray(yield* Stream.runCollect(ActivationLogs.collect(source, cursor, options)))
        assert.deepStrictEqual(lines.map((line) => (JSON.parse(line) as { log: string }).log), expected(n), `activation ${n}`)
      }
      // The log did rotate: the engine keeps the rotated files next to it.
      assert.strictEqual(source._tag, "JsonFile")
      if (source._tag === "JsonFile") assert.isTrue(existsSync(`${source.path}.1`))
    }).pipe(Effect.provide(Engine)), 120_000)
})
