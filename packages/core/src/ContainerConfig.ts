/**
 * The configuration of the containers a ContainerFactory creates: their network, DNS, extra environment, name
 * prefix, image registries, cpu share of the user memory, the payload limits of their answers, the API host they are
 * told and the deployment's override of the create request.
 *
 * @since 0.1.0
 */
import { Config, ConfigError, Context, Either, Layer, Option } from "effect"
import * as ByteSize from "./ByteSize.js"
import * as ContainerSpec from "./ContainerSpec.js"
import * as CreateOverrides from "./CreateOverrides.js"
import * as internal from "./internal/configs.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly network: string
  readonly dnsServers: ReadonlyArray<string>
  readonly dnsSearch: ReadonlyArray<string>
  readonly dnsOptions: ReadonlyArray<string>
  /** Added to every container's environment. */
  readonly extraEnv: ReadonlyArray<readonly [string, string]>
  /** Containers are named `<prefix>_…`. */
  readonly namePrefix: string
  /** The registries image names are resolved against. */
  readonly registry: { readonly runtimes: string; readonly userImages: string }
  /** The memory shared by all containers, for cpu shares. */
  readonly userMemory: ByteSize.ByteSize
  /** The cpus shared by all containers, for cpu limits. */
  readonly userCpus: Option.Option<number>
  /** The longest answer kept whole, and the prefix kept of a longer one. */
  readonly payload: { readonly max: ByteSize.ByteSize; readonly truncation: ByteSize.ByteSize }
  /** `__OW_API_HOST` in every container's environment (B4); none: the variable is not set. */
  readonly apiHost: Option.Option<string>
  /** The deployment's override of the create request (B3), from `EFFECT_WHISK_CREATE_OVERRIDES` as JSON. */
  readonly createOverrides: CreateOverrides.CreateOverrides
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  network: ContainerSpec.defaultNetwork,
  dnsServers: [],
  dnsSearch: [],
  dnsOptions: [],
  extraEnv: [],
  namePrefix: "effect-whisk",
  registry: { runtimes: "", userImages: "" },
  userMemory: ByteSize.megabytes(1024),
  userCpus: Option.none(),
  payload: { max: ByteSize.megabytes(1), truncation: ByteSize.megabytes(1) },
  apiHost: Option.none(),
  createOverrides: CreateOverrides.empty
}

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = internal.prefixed(Config.all({
  network: Config.withDefault(Config.nonEmptyString("NETWORK"), defaults.network),
  dnsServers: internal.list("DNS_SERVERS", defaults.dnsServers),
  dnsSearch: internal.list("DNS_SEARCH", defaults.dnsSearch),
  dnsOptions: internal.list("DNS_OPTIONS", defaults.dnsOptions),
  extraEnv: internal.list("EXTRA_ENV", []).pipe(
    Config.mapOrFail((entries) =>
      Either.mapLeft(ContainerSpec.parseEnvEntries(entries), (error) => ConfigError.InvalidData(["EXTRA_ENV"], error.message))
    )
  ),
  namePrefix: Config.withDefault(internal.engineName("CONTAINER_NAME_PREFIX"), defaults.namePrefix),
  registry: Config.all({
    runtimes: Config.withDefault(Config.string("RUNTIMES_REGISTRY"), defaults.registry.runtimes),
    userImages: Config.withDefault(Config.string("USER_IMAGES_REGISTRY"), defaults.registry.userImages)
  }),
  userMemory: internal.byteSize("USER_MEMORY", defaults.userMemory),
  userCpus: Config.option(
    Config.number("USER_CPUS").pipe(Config.validate({ message: "must be greater than 0", validation: (n) => n > 0 }))
  ),
  payload: Config.all({
    max: internal.byteSize("PAYLOAD_MAX", defaults.payload.max),
    truncation: internal.byteSize("PAYLOAD_TRUNCATION", defaults.payload.truncation)
  }),
  apiHost: Config.option(Config.nonEmptyString("API_HOST")),
  createOverrides: CreateOverrides.config("CREATE_OVERRIDES")
}))

/**
 * @since 0.1.0
 * @category tags
 */
export class ContainerConfig extends Context.Tag("@effect-whisk/core/ContainerConfig")<ContainerConfig, Shape>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Shape>
): Layer.Layer<ContainerConfig, ConfigError.ConfigError> => Layer.effect(ContainerConfig, Config.unwrap(config))

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ContainerConfig, ConfigError.ConfigError> = layerConfig(config)

/**
 * The defaults with some settings replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: Overrides = {}): Layer.Layer<ContainerConfig> =>
  Layer.succeed(ContainerConfig, internal.merge(defaults, overrides))

/**
 * @since 0.1.0
 * @category models
 */
export type Overrides = internal.Overrides<Shape>
