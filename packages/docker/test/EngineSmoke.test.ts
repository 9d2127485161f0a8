// Proves that the test run reaches the real Docker engine through the live DockerEngine layer (the CI path through
// scripts/ensure-engine.sh).
import { DockerEngine, WhiskConfig } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

const EngineLive = DockerodeEngine.layer.pipe(
  Layer.provide(WhiskConfig.layerWith())
)

describe("Docker engine smoke test", () => {
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
})
