import { WhiskConfig } from "@effect-whisk/core"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as RuncCommand from "@effect-whisk/docker/RuncCommand"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Layer } from "effect"

/** The engine, runc and the action HTTP client with the given configuration. */
export const layerWith = <E>(config: Layer.Layer<WhiskConfig.WhiskConfig, E>) =>
  Layer.mergeAll(DockerodeEngine.layer, RuncCommand.layer, ContainerHttpClient.layer).pipe(
    Layer.provideMerge(config),
    Layer.provide(NodeContext.layer)
  )

/** The engine, runc and the action HTTP client, configured from `EFFECT_WHISK_*` variables. */
export const layer = layerWith(WhiskConfig.layer)
