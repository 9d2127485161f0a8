// The pull rules of B6 against the loopback registry on 127.0.0.1:5000 (started by scripts/ensure-engine.sh): an
// untagged user image is pulled, a missing one fails with the verbatim message, a missing non-latest tag that exists
// locally still runs, and a platform image is never pulled.
import { ContainerHttp, DockerEngine } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Chunk, Effect, Schedule, Stream } from "effect"
import { liveLayer } from "./support/liveLayer.js"
import { buildTestImages, docker, onPodman, skipWithoutEngine, tickerImage } from "./support/realEngine.js"

// Unique to this run, so two runs on one engine never remove each other's containers or images.
const run = process.pid
const prefix = `ewit-pull-${run}`
const registry = "127.0.0.1:5000"
const pushed = `${registry}/effect-whisk-test/ticker-${run}` // pushed, then removed locally
const neverPushed = `${registry}/effect-whisk-test/never-pushed`
const localOnly = `${registry}/effect-whisk-test/local-only-${run}:v1` // tagged locally, never pushed
const client = new Docker()

const services = liveLayer(ContainerHttp.layerTest(), { container: { namePrefix: prefix } })

const removeLeftovers = () => {
  const ids = docker("ps", "-aq", "--no-trunc", "--filter", `name=^/?${prefix}_`).split("\n").filter((s) => s.length > 0)
  if (ids.length > 0) docker("rm", "-f", ...ids)
}

const removeLocalImage = (image: string) => {
  try {
    docker("rmi", image)
  } catch {
    // not there
  }
}

const hasLocalImage = (image: string) =>
  Effect.promise(() => client.getImage(image).inspect().then(() => true, () => false))

const noContainersLeft = Effect.flatMap(DockerEngine.DockerEngine, (engine) =>
  engine.list(`${prefix}_`).pipe(
    Effect.filterOrFail((left) => left.length === 0),
    Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 100 })
  ))

// Skip reason: no Docker engine on this developer machine. Never under CI or scripts/test.sh (requireDocker), where a
// missing engine fails the tests.
describe.skipIf(skipWithoutEngine)("pull rules against the local registry", () => {
  beforeAll(() => {
    buildTestImages()
    removeLeftovers()
    docker("tag", tickerImage, `${pushed}:latest`)
    docker("push", `${pushed}:latest`)
    removeLocalImage(`${pushed}:latest`)
    docker("tag", tickerImage, localOnly)
  }, 120_000)

  afterAll(() => {
    removeLeftovers()
    removeLocalImage(`${pushed}:latest`)
    removeLocalImage(localOnly)
  }, 60_000)

  it.scopedLive("an untagged user image is pulled from the registry and runs", () =>
    Effect.gen(function*() {
      assert.isFalse(yield* hasLocalImage(`${pushed}:latest`))
      const container = yield* DockerContainer.createScoped({ image: pushed, userProvided: true })
      assert.strictEqual(container.image, pushed)
      assert.isTrue(yield* hasLocalImage(`${pushed}:latest`))
      const info = yield* Effect.promise(() => client.getContainer(container.id).inspect())
      assert.isTrue(info.State.Running)
      // Podman echoes the image with the tag it resolved to.
      assert.strictEqual(info.Config.Image, onPodman ? `${pushed}:latest` : pushed)
    }).pipe(Effect.provide(services)), 60_000)

  it.scopedLive("a missing latest image fails with the verbatim pull error and creates nothing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: neverPushed, userProvided: true }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      assert.strictEqual(error.message, `Failed to pull container image '${neverPushed}'.`)
      yield* noContainersLeft
    }).pipe(Effect.provide(services)), 60_000)

  it.scopedLive("a non-latest tag the registry does not have still runs when the image exists locally", () =>
    Effect.gen(function*() {
      const container = yield* DockerContainer.createScoped({ image: localOnly, userProvided: true })
      const info = yield* Effect.promise(() => client.getContainer(container.id).inspect())
      assert.isTrue(info.State.Running)
    }).pipe(Effect.provide(services)), 60_000)

  it.scopedLive("a non-latest tag that exists nowhere fails with the pull error", () =>
    Effect.gen(function*() {
      const image = `${neverPushed}:v404`
      const error = yield* Effect.flip(DockerContainer.create({ image, userProvided: true }))
      assert.strictEqual(error._tag, "BlackboxStartupError")
      assert.strictEqual(error.message, `Failed to pull container image '${image}'.`)
      yield* noContainersLeft
    }).pipe(Effect.provide(services)), 60_000)

  it.scopedLive("a missing platform image is not pulled: the create fails as a provisioning error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DockerContainer.create({ image: neverPushed, userProvided: false }))
      assert.strictEqual(error._tag, "WhiskContainerStartupError")
      assert.strictEqual(error.message, "Failed to provision resources to run the action.")
      assert.isFalse(yield* hasLocalImage(neverPushed))
    }).pipe(Effect.provide(services)), 60_000)

  it.scopedLive("the engine's pull reports progress events, and an image the registry lacks fails it", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(engine.pull(`${pushed}:latest`)))
      assert.isNotEmpty(events)
      // Docker ends with a "Status: Downloaded newer image" line; Podman reports each layer and no summary.
      assert.isTrue(events.some((event) =>
        onPodman ? event.status === "Download complete" && event.id !== undefined : event.status.includes("Status:")
      ))
      const error = yield* Effect.flip(Stream.runDrain(engine.pull(neverPushed)))
      assert.deepInclude(error, { _tag: "DockerEngineError", operation: "pull", target: neverPushed })
      assert.include(error.message, "never-pushed")
    }).pipe(Effect.provide(services)), 60_000)
})
