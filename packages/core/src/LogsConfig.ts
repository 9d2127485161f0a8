/**
 * The configuration of log collection and of the OOM poll after a connection failure: `EFFECT_WHISK_LOG_*`,
 * `EFFECT_WHISK_OOM_POLL_INTERVAL`, `EFFECT_WHISK_OOM_WINDOW`.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Context, Duration, Layer } from "effect"
import * as ByteSize from "./ByteSize.js"
import * as internal from "./internal/configs.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** The log limit of an activation. */
  readonly limit: ByteSize.ByteSize
  /** The longest gap between two log lines. */
  readonly idleTimeout: Duration.Duration
  /** The overall log timeout is max(limit in MB, 5) × this. */
  readonly timeoutPerMB: Duration.Duration
  /** The tail poll, when no file-change notification arrives. */
  readonly pollInterval: Duration.Duration
  /** How often, and how long, a connection failure polls the container for an OOM kill. */
  readonly oom: { readonly pollInterval: Duration.Duration; readonly window: Duration.Duration }
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  limit: ByteSize.megabytes(10),
  idleTimeout: Duration.seconds(2),
  timeoutPerMB: Duration.seconds(2),
  pollInterval: Duration.millis(5),
  oom: { pollInterval: Duration.millis(5), window: Duration.seconds(2) }
}

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = internal.prefixed(Config.all({
  limit: internal.byteSize("LOG_LIMIT", defaults.limit),
  idleTimeout: internal.duration("LOG_IDLE_TIMEOUT", defaults.idleTimeout),
  timeoutPerMB: internal.duration("LOG_TIMEOUT_PER_MB", defaults.timeoutPerMB),
  pollInterval: internal.duration("LOG_POLL_INTERVAL", defaults.pollInterval),
  oom: Config.all({
    pollInterval: internal.duration("OOM_POLL_INTERVAL", defaults.oom.pollInterval),
    window: internal.duration("OOM_WINDOW", defaults.oom.window)
  })
}))

/**
 * @since 0.1.0
 * @category tags
 */
export class LogsConfig extends Context.Tag("@effect-whisk/core/LogsConfig")<LogsConfig, Shape>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config.Wrap<Shape>): Layer.Layer<LogsConfig, ConfigError.ConfigError> =>
  Layer.effect(LogsConfig, Config.unwrap(config))

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<LogsConfig, ConfigError.ConfigError> = layerConfig(config)

/**
 * The defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<LogsConfig> =>
  Layer.succeed(LogsConfig, internal.merge(defaults, overrides))

/**
 * @since 0.1.0
 * @category models
 */
export type Overrides = internal.Overrides<Shape>
