// Ownership on the real engine: two layers with the same configuration in one process (two owner instances) never
// remove each other's containers, an orphan (its owner process gone on this host) is removed, and creates
// interrupted at random moments, or a broken container, leave nothing once the layer's scope has closed (background
// removals included).
import { ContainerHttp, ContainerOwner, DockerEngine, FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import { Cleanup, DockerContainer } from "@effect-whisk/docker"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as RuncCommand from "@effect-whisk/docker/RuncCommand"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Random, Scope } from "effect"
import { hostname } from "node:os"
import { createOrphan } from "./support/orphan.js"
import {
  buildTestImages,
  docker,
  noCommandImage,
  runcBinary,
  skipWithoutEngine,
  tickerImage
} from "./support/realEngine.js"

const prefix = `ewit-owner-${process.pid}`
const config = WhiskConfig.layerWith({
  container: { namePrefix: prefix },
  freezer: { runc: { ...FreezerConfig.defaults.runc, binary: runcBinary() } }
})

const engineLayer = Layer.mergeAll(DockerodeEngine.layer, RuncCommand.layer, ContainerHttp.layerTest()).pipe(
  Layer.provideMerge(config),
  Layer.provide(NodeContext.layer)
)
// What WhiskLive is, with the test HTTP layer: the engine, runc, and the cleanup at start and at stop.
const withCleanup = Cleanup.layer.pipe(Layer.provideMerge(engineLayer))

const exists = (id: string) => docker("ps", "-aq", "--no-trunc", "--filter", `id=${id}`) !== ""
const ofInstance = (instance: string) =>
  docker("ps", "-aq", "--filter", `label=${ContainerOwner.labelKeys.instance}=${instance}`).split("\n").filter((s) => s !== "")
const ofThisRun = () => docker("ps", "-aq", "--filter", `name=^/?${prefix}_`).split("\n").filter((s) => s !== "")

const build = <A, E>(layer: Layer.Layer<A, E>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(layer, scope)
    return { context, close: Scope.close(scope, Exit.void) }
  })

const create = <R>(context: Context.Context<R>) =>
  DockerContainer.create({ image: tickerImage, userProvided: false }).pipe(
    Effect.provide(context as Context.Context<DockerContainer.Services>)
  )

// Skip reason: no Docker engine answers on this machine (never under CI or scripts/test.sh, where a missing engine fails).
describe.skipIf(skipWithoutEngine)("ownership on the real engine", () => {
  beforeAll(() => buildTestImages(), 120_000)
  afterAll(() => {
    for (const id of ofThisRun()) docker("rm", "-f", id)
  }, 60_000)

  it.live("two layers with the same configuration: neither removes the other's containers; an orphan is removed", () =>
    Effect.gen(function*() {
      const first = yield* build(withCleanup)
      const a = yield* create(first.context)
      const orphan = createOrphan(`${prefix}_orphan`)

      const second = yield* build(withCleanup)
      assert.isFalse(exists(orphan), "the second layer's start removed the orphan")
      assert.isTrue(exists(a.id), "the second layer's start left the first one's container")
      const owners = [first, second].map(({ context }) => Context.get(context, DockerEngine.DockerEngine).owner)
      assert.notStrictEqual(owners[0]?.instance, owners[1]?.instance)
      assert.deepStrictEqual(owners.map((owner) => [owner?.host, owner?.pid]), [[hostname(), process.pid], [hostname(), process.pid]])

      const b = yield* create(second.context)
      yield* second.close
      assert.isFalse(exists(b.id), "the second layer's stop removed its own container")
      assert.isTrue(exists(a.id), "the second layer's stop left the first one's container")
      yield* first.close
      assert.isFalse(exists(a.id), "the first layer's stop removed its container")
    }), 120_000)

  const interruptions = (parallel: number) =>
    Effect.gen(function*() {
      const { context, close } = yield* build(engineLayer)
      const instance = Context.get(context, DockerEngine.DockerEngine).owner.instance
      const provide = Effect.provide(context as Context.Context<DockerContainer.Services>)
      const scoped = Effect.scoped(DockerContainer.createScoped({ image: tickerImage, userProvided: false }))
      // A full create tells how long the window is; interruptions fall anywhere in it, and a little after.
      const [took] = yield* Effect.timed(scoped.pipe(provide))
      const window = Math.max(50, Math.round(Duration.toMillis(took) * 1.2))
      yield* Effect.forEach(
        Array.from({ length: 50 }),
        () =>
          Effect.flatMap(Random.nextIntBetween(0, window), (millis) =>
            scoped.pipe(provide, Effect.timeout(millis), Effect.ignore)),
        { concurrency: parallel }
      )
      yield* close
      const left = ofInstance(instance)
      assert.deepStrictEqual(left, [], `${left.length} containers left once the layer's scope closed`)
    })

  it.live("a broken container (its command is missing) is gone once the layer closed right after the create", () =>
    Effect.gen(function*() {
      const { context, close } = yield* build(engineLayer)
      const instance = Context.get(context, DockerEngine.DockerEngine).owner.instance
      const error = yield* Effect.flip(
        DockerContainer.create({ image: noCommandImage, userProvided: false }).pipe(
          Effect.provide(context as Context.Context<DockerContainer.Services>)
        )
      )
      assert.strictEqual(error._tag, "BlackboxStartupError")
      // No wait: the removal started in the background is what the layer's release waits for.
      yield* close
      assert.deepStrictEqual(ofInstance(instance), [])
    }), 60_000)

  it.live("50 creates interrupted at random moments, one at a time: no container left once the layer closed", () =>
    interruptions(1), 240_000)

  it.live("50 creates interrupted at random moments, 10 at a time: no container left once the layer closed", () =>
    interruptions(10), 240_000)
})
