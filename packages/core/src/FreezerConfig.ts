/**
 * The configuration of freezing (the live Freezer and the runc command): `EFFECT_WHISK_FREEZER`,
 * `EFFECT_WHISK_FREEZER_TIMEOUT`, `EFFECT_WHISK_USE_RUNC`, `EFFECT_WHISK_RUNC_*`.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Context, Duration, Layer, Option } from "effect"
import type * as Freezer from "./Freezer.js"
import * as internal from "./internal/configs.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /**
   * `EFFECT_WHISK_FREEZER` when set (it wins over `EFFECT_WHISK_USE_RUNC`); unset, `auto`, or `engine` when
   * `EFFECT_WHISK_USE_RUNC=false`.
   */
  readonly mode: Freezer.Mode
  /** The longest a cgroup freeze or thaw waits for the kernel to report the state. */
  readonly timeout: Duration.Duration
  readonly runc: {
    readonly binary: string
    readonly root: string
    readonly timeouts: { readonly pause: Duration.Duration; readonly resume: Duration.Duration }
  }
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  mode: "auto",
  timeout: Duration.seconds(10),
  runc: {
    binary: "runc",
    root: "/run/docker/runtime-runc/moby",
    timeouts: { pause: Duration.seconds(10), resume: Duration.seconds(10) }
  }
}

/**
 * Where runc keeps its containers' state when Podman (as root) runs them: `auto` looks there on Podman while the
 * configured root is Docker's default; `EFFECT_WHISK_RUNC_ROOT=/run/runc` makes the `runc` strategy use it.
 *
 * @since 0.1.0
 * @category defaults
 */
export const podmanRuncRoot = "/run/runc"

/**
 * Whether containers are frozen by something other than the engine's pause (the `useRunc` of OpenWhisk).
 *
 * @since 0.1.0
 * @category accessors
 */
export const usesRunc = (config: Shape): boolean => config.mode !== "engine"

const modes = ["auto", "cgroup", "runc", "engine"] as const

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = internal.prefixed(Config.all({
  freezer: Config.option(Config.literal(...modes)("FREEZER")),
  useRunc: Config.withDefault(Config.boolean("USE_RUNC"), true),
  timeout: internal.duration("FREEZER_TIMEOUT", defaults.timeout),
  runc: Config.all({
    binary: Config.withDefault(Config.nonEmptyString("RUNC_BINARY"), defaults.runc.binary),
    root: Config.withDefault(Config.nonEmptyString("RUNC_ROOT"), defaults.runc.root),
    timeouts: Config.all({
      pause: internal.duration("RUNC_TIMEOUT_PAUSE", defaults.runc.timeouts.pause),
      resume: internal.duration("RUNC_TIMEOUT_RESUME", defaults.runc.timeouts.resume)
    })
  })
}).pipe(Config.map(({ freezer, useRunc, ...rest }): Shape => ({
  ...rest,
  // An explicit freezer wins; unset, USE_RUNC=false keeps meaning the engine's pause.
  mode: Option.getOrElse(freezer, () => useRunc ? "auto" as const : "engine" as const)
}))))

/**
 * @since 0.1.0
 * @category tags
 */
export class FreezerConfig extends Context.Tag("@effect-whisk/core/FreezerConfig")<FreezerConfig, Shape>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config.Wrap<Shape>): Layer.Layer<FreezerConfig, ConfigError.ConfigError> =>
  Layer.effect(FreezerConfig, Config.unwrap(config))

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<FreezerConfig, ConfigError.ConfigError> = layerConfig(config)

/**
 * The defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<FreezerConfig> =>
  Layer.succeed(FreezerConfig, internal.merge(defaults, overrides))

/**
 * @since 0.1.0
 * @category models
 */
export type Overrides = internal.Overrides<Shape>
