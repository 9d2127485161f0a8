// Proves that the test run reaches the real Docker engine through the live DockerEngine layer (the CI path through
// scripts/ensure-engine.sh).
import { DockerEngine, WhiskConfig } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { beforeAll } from "vitest"
import { buildTestImages } from "./support/realEngine.js"

const EngineLive = DockerodeEngine.layer.pipe(
  Layer.provide(WhiskConfig.layerWith())
)

describe("Docker engine smoke test", () => {
  beforeAll(buildTestImages, 120_000)

  // No skip: scripts/test.sh (and so CI) brings the engine up first; without an engine this fails with the
  // engine's error, which says where it looked.
  it.live("reports its version and lists containers through the live layer", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      const version = yield* engine.version
      assert.match(version.version, /^\d+\.\d+/)
      assert.match(version.apiVersion, /^1\.\d+$/)
      const containers = yield* engine.list("effect-whisk-smoke-test-nothing-has-this-name")
      assert.deepStrictEqual(containers, [])
    }).pipe(Effect.provide(EngineLive)))

  it.live("tells an image it has from one it has not, and refuses a reference that would change the request path", () =>
    Effect.gen(function*() {
      const engine = yield* DockerEngine.DockerEngine
      assert.isTrue(yield* engine.hasImage("effect-whisk-test/ticker:latest"))
      assert.isFalse(yield* engine.hasImage("effect-whisk-test/no-such-image:never"))
      const invalid = yield* Effect.flip(engine.hasImage("../containers/json?all=1"))
      assert.strictEqual(invalid.reason, "InvalidId")
    }).pipe(Effect.provide(EngineLive)))
})
