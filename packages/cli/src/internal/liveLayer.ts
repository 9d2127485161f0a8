import { WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import * as RuncCommand from "@effect-whisk/docker/RuncCommand"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Layer } from "effect"

/**
 * The Docker ContainerFactory, the engine, runc, the Freezer (`EFFECT_WHISK_FREEZER`) and the action HTTP client
 * with the given configuration. The command's pool removes the containers it made itself, so it does not take
 * WhiskLive's cleanup at start and stop.
 */
export const layerWith = <E>(config: Layer.Layer<WhiskConfig.WhiskConfig, E>) =>
  DockerContainer.layer.pipe(
    Layer.provideMerge(FreezerChoice.layer),
    Layer.provideMerge(Layer.mergeAll(DockerodeEngine.layer, RuncCommand.layer, ContainerHttpClient.layer)),
    Layer.provideMerge(config),
    Layer.provide(NodeContext.layer)
  )

/** The same, configured from `EFFECT_WHISK_*` variables. */
export const layer = layerWith(WhiskConfig.layer)
