/**
 * All of effect-whisk's configuration at once, for programs that want everything: each service reads its own
 * (EngineConfig, FreezerConfig, ActionHttpConfig, LogsConfig, ContainerConfig), each from environment variables
 * prefixed `EFFECT_WHISK_` (for example `EFFECT_WHISK_DOCKER_TIMEOUT_RUN=90 seconds`). The README lists every
 * variable and the service that reads it.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, ConfigProvider, Effect, Layer } from "effect"
import * as ActionHttpConfig from "./ActionHttpConfig.js"
import * as ContainerConfig from "./ContainerConfig.js"
import * as EngineConfig from "./EngineConfig.js"
import * as FreezerConfig from "./FreezerConfig.js"
import * as LogsConfig from "./LogsConfig.js"

/**
 * Every configuration service.
 *
 * @since 0.1.0
 * @category models
 */
export type WhiskConfig =
  | EngineConfig.EngineConfig
  | FreezerConfig.FreezerConfig
  | ActionHttpConfig.ActionHttpConfig
  | LogsConfig.LogsConfig
  | ContainerConfig.ContainerConfig

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly engine: EngineConfig.Shape
  readonly freezer: FreezerConfig.Shape
  readonly actionHttp: ActionHttpConfig.Shape
  readonly logs: LogsConfig.Shape
  readonly container: ContainerConfig.Shape
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  engine: EngineConfig.defaults,
  freezer: FreezerConfig.defaults,
  actionHttp: ActionHttpConfig.defaults,
  logs: LogsConfig.defaults,
  container: ContainerConfig.defaults
}

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = Config.all({
  engine: EngineConfig.config,
  freezer: FreezerConfig.config,
  actionHttp: ActionHttpConfig.config,
  logs: LogsConfig.config,
  container: ContainerConfig.config
})

/**
 * Every configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<WhiskConfig, ConfigError.ConfigError> = Layer.mergeAll(
  EngineConfig.layer,
  FreezerConfig.layer,
  ActionHttpConfig.layer,
  LogsConfig.layer,
  ContainerConfig.layer
)

/**
 * @since 0.1.0
 * @category models
 */
export interface Overrides {
  readonly engine?: EngineConfig.Overrides
  readonly freezer?: FreezerConfig.Overrides
  readonly actionHttp?: ActionHttpConfig.Overrides
  readonly logs?: LogsConfig.Overrides
  readonly container?: ContainerConfig.Overrides
}

/**
 * Every configuration: the defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<WhiskConfig> =>
  Layer.mergeAll(
    EngineConfig.layerWith(overrides.engine),
    FreezerConfig.layerWith(overrides.freezer),
    ActionHttpConfig.layerWith(overrides.actionHttp),
    LogsConfig.layerWith(overrides.logs),
    ContainerConfig.layerWith(overrides.container)
  )

/**
 * A ConfigProvider over a map of environment variables, as the process environment would give them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const providerFromEnv = (env: Readonly<Record<string, string>>): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_" })

/**
 * Reads every configuration from a map of environment variables (without the provider of the running program).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv = (env: Readonly<Record<string, string>>): Effect.Effect<Shape, ConfigError.ConfigError> =>
  Effect.withConfigProvider(config, providerFromEnv(env))
