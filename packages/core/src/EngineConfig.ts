/**
 * The configuration of the Docker engine service (the live DockerEngine, its run limit, ownership and cleanup):
 * `EFFECT_WHISK_DOCKER_TIMEOUT_*`, `EFFECT_WHISK_DOCKER_PARALLEL_RUNS`, `EFFECT_WHISK_OWNER`,
 * `EFFECT_WHISK_CLEANUP_TIMEOUT`, `EFFECT_WHISK_ADDRESS`, `EFFECT_WHISK_LOG_SOURCE`.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Context, Duration, Layer, Option } from "effect"
import type * as ContainerAddress from "./ContainerAddress.js"
import * as internal from "./internal/configs.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly timeouts: {
    readonly run: Duration.Duration
    readonly rm: Duration.Duration
    readonly pull: Duration.Duration
    readonly ps: Duration.Duration
    readonly inspect: Duration.Duration
    readonly pause: Duration.Duration
    readonly unpause: Duration.Duration
    readonly version: Duration.Duration
    /** The engine's answer to a log request (the stream that follows is bounded by the collection's timeouts). */
    readonly logs: Duration.Duration
  }
  /** At most this many creates in flight (0 = unlimited). */
  readonly parallelRuns: number
  /**
   * The owner instance put on every container (the `effect-whisk.owner` label), for a service that restarts: its
   * start removes what its earlier run left. None: a random id per engine layer.
   */
  readonly owner: Option.Option<string>
  /** Bounds the removal of leftovers at start, and the whole shutdown (background removals, then leftovers). */
  readonly cleanupTimeout: Duration.Duration
  /**
   * How a container's action is reached (`EFFECT_WHISK_ADDRESS`): `auto` (the container's address on its network
   * when the engine is local and this machine has an interface on that network, else the published port), `bridge`
   * or `published`.
   */
  readonly address: ContainerAddress.Mode
  /**
   * Where containers' logs are read: `file` (the json-file log on this machine), `api` (the engine's log stream), or
   * `auto` (the file when the container's log driver is json-file and its file is readable here, else the stream).
   */
  readonly logSource: LogSourceChoice
}

/**
 * @since 0.1.0
 * @category models
 */
export type LogSourceChoice = "auto" | "file" | "api"

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  timeouts: {
    run: Duration.minutes(1),
    rm: Duration.minutes(1),
    pull: Duration.minutes(10),
    ps: Duration.minutes(1),
    inspect: Duration.minutes(1),
    pause: Duration.seconds(10),
    unpause: Duration.seconds(10),
    version: Duration.seconds(10),
    logs: Duration.seconds(10)
  },
  parallelRuns: 10,
  owner: Option.none(),
  cleanupTimeout: Duration.seconds(30),
  address: "auto",
  logSource: "auto"
}

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = internal.prefixed(Config.all({
  timeouts: Config.all({
    run: internal.duration("DOCKER_TIMEOUT_RUN", defaults.timeouts.run),
    rm: internal.duration("DOCKER_TIMEOUT_RM", defaults.timeouts.rm),
    pull: internal.duration("DOCKER_TIMEOUT_PULL", defaults.timeouts.pull),
    ps: internal.duration("DOCKER_TIMEOUT_PS", defaults.timeouts.ps),
    inspect: internal.duration("DOCKER_TIMEOUT_INSPECT", defaults.timeouts.inspect),
    pause: internal.duration("DOCKER_TIMEOUT_PAUSE", defaults.timeouts.pause),
    unpause: internal.duration("DOCKER_TIMEOUT_UNPAUSE", defaults.timeouts.unpause),
    version: internal.duration("DOCKER_TIMEOUT_VERSION", defaults.timeouts.version),
    logs: internal.duration("DOCKER_TIMEOUT_LOGS", defaults.timeouts.logs)
  }),
  parallelRuns: Config.integer("DOCKER_PARALLEL_RUNS").pipe(
    Config.validate({ message: "must be 0 (unlimited) or more", validation: (n) => n >= 0 }),
    Config.withDefault(defaults.parallelRuns)
  ),
  owner: Config.option(internal.engineName("OWNER")),
  cleanupTimeout: internal.duration("CLEANUP_TIMEOUT", defaults.cleanupTimeout),
  address: Config.literal("auto", "bridge", "published")("ADDRESS").pipe(Config.withDefault(defaults.address)),
  logSource: Config.literal("auto", "file", "api")("LOG_SOURCE").pipe(Config.withDefault(defaults.logSource))
}))

/**
 * @since 0.1.0
 * @category tags
 */
export class EngineConfig extends Context.Tag("@effect-whisk/core/EngineConfig")<EngineConfig, Shape>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config.Wrap<Shape>): Layer.Layer<EngineConfig, ConfigError.ConfigError> =>
  Layer.effect(EngineConfig, Config.unwrap(config))

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<EngineConfig, ConfigError.ConfigError> = layerConfig(config)

/**
 * The defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<EngineConfig> =>
  Layer.succeed(EngineConfig, internal.merge(defaults, overrides))

/**
 * @since 0.1.0
 * @category models
 */
export type Overrides = internal.Overrides<Shape>
