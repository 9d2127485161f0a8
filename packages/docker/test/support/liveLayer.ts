// The live engine and runc layers for real-engine tests, with the HTTP layer a test chooses (the live client, or
// core's test layer) and a container name prefix of the test file's own, so that a cleanup of leftovers another
// test runs at the same time never removes its containers. The engine is the one under test (support/testEngine.ts),
// with its forced strategies over the test's settings.
import { FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as RuncCommand from "@effect-whisk/docker/RuncCommand"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Layer } from "effect"
import { runcBinary, runcRoot } from "./realEngine.js"
import { withForced } from "./testEngine.js"

export const liveLayer = <ROut, E>(
  http: Layer.Layer<ROut, E, WhiskConfig.WhiskConfig>,
  config: WhiskConfig.Overrides & { readonly container: { readonly namePrefix: string } }
) =>
  Layer.mergeAll(DockerodeEngine.layer, RuncCommand.layer, http).pipe(
    Layer.provideMerge(WhiskConfig.layerWith({
      ...withForced(config),
      freezer: { ...config.freezer, runc: { ...FreezerConfig.defaults.runc, binary: runcBinary(), root: runcRoot, ...config.freezer?.runc } }
    })),
    Layer.provide(NodeContext.layer)
  )
