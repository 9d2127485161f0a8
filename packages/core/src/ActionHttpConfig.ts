/**
 * The configuration of the action HTTP client (the live ContainerHttp and the client each container opens):
 * `EFFECT_WHISK_HTTP_RETRY_INTERVAL`, `EFFECT_WHISK_HTTP_DEFAULT_MAX_CONCURRENT`, `EFFECT_WHISK_HTTP_PRECONNECT`.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Context, Duration, Layer } from "effect"
import * as internal from "./internal/configs.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** The pause between two attempts to connect while /init waits for the action's server. */
  readonly retryInterval: Duration.Duration
  /** The concurrency of the client a resume opens before any initialize (B12). */
  readonly defaultMaxConcurrent: number
  /**
   * How long a connection opened ahead for a client's next call (once a call was answered) waits for that call before
   * it is closed; zero opens none.
   */
  readonly preconnect: Duration.Duration
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  retryInterval: Duration.millis(50),
  defaultMaxConcurrent: 1,
  preconnect: Duration.seconds(2)
}

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = internal.prefixed(Config.all({
  retryInterval: internal.duration("HTTP_RETRY_INTERVAL", defaults.retryInterval),
  defaultMaxConcurrent: Config.integer("HTTP_DEFAULT_MAX_CONCURRENT").pipe(
    Config.validate({ message: "must be 1 or more", validation: (n) => n >= 1 }),
    Config.withDefault(defaults.defaultMaxConcurrent)
  ),
  preconnect: internal.duration("HTTP_PRECONNECT", defaults.preconnect)
}))

/**
 * @since 0.1.0
 * @category tags
 */
export class ActionHttpConfig extends Context.Tag("@effect-whisk/core/ActionHttpConfig")<ActionHttpConfig, Shape>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Shape>
): Layer.Layer<ActionHttpConfig, ConfigError.ConfigError> => Layer.effect(ActionHttpConfig, Config.unwrap(config))

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ActionHttpConfig, ConfigError.ConfigError> = layerConfig(config)

/**
 * The defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<ActionHttpConfig> =>
  Layer.succeed(ActionHttpConfig, internal.merge(defaults, overrides))

/**
 * @since 0.1.0
 * @category models
 */
export type Overrides = internal.Overrides<Shape>
