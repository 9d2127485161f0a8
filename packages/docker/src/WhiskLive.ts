/**
 * The ContainerFactory of Docker containers and everything `DockerContainer` needs, live: the configuration from the
 * environment (`EFFECT_WHISK_*`), the Docker engine over dockerode, runc spawned with node:child_process, the Freezer
 * (`EFFECT_WHISK_FREEZER`), the action HTTP client, and the leftover cleanup at start and at stop.
 *
 * @since 0.1.0
 */
import type { ContainerFactory, ContainerHttp, DockerEngine, Errors, Freezer, Runc } from "@effect-whisk/core"
import { WhiskConfig } from "@effect-whisk/core"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { type ConfigError, Layer } from "effect"
import * as Cleanup from "./Cleanup.js"
import * as ContainerHttpClient from "./ContainerHttpClient.js"
import * as DockerContainer from "./DockerContainer.js"
import * as DockerodeEngine from "./DockerodeEngine.js"
import * as FreezerChoice from "./FreezerChoice.js"
import * as RuncCommand from "./RuncCommand.js"

/**
 * What the live layer provides: the factory of Docker containers and the services it creates them with.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | ContainerFactory.ContainerFactory
  | DockerEngine.DockerEngine
  | Runc.Runc
  | Freezer.Freezer
  | ContainerHttp.ContainerHttp
  | WhiskConfig.WhiskConfig

/**
 * The live services over a given configuration layer (for programs that configure in code).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithConfig = <E, R>(
  config: Layer.Layer<WhiskConfig.WhiskConfig, E, R>
): Layer.Layer<Services, E | Errors.DockerEngineError, R> =>
  Layer.merge(DockerContainer.layer, Cleanup.layer).pipe(
    Layer.provideMerge(
      FreezerChoice.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(DockerodeEngine.layer, RuncCommand.layer, ContainerHttpClient.layer))
      )
    ),
    Layer.provide(NodeContext.layer),
    Layer.provideMerge(config)
  )

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services, ConfigError.ConfigError | Errors.DockerEngineError> = layerWithConfig(
  WhiskConfig.layer
)
