/**
 * Every default of the original (D1) as an Effect `Config`, read from environment variables prefixed `EFFECT_WHISK_`
 * (for example `EFFECT_WHISK_DOCKER_TIMEOUT_RUN=90 seconds`). The README lists every variable.
 *
 * @since 0.1.0
 */
import { Config, ConfigError, ConfigProvider, Context, Duration, Effect, Either, Layer, Option } from "effect"
import * as ByteSize from "./ByteSize.js"
import * as ContainerSpec from "./ContainerSpec.js"
import * as CreateOverrides from "./CreateOverrides.js"
import type * as Freezer from "./Freezer.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly docker: {
    readonly timeouts: {
      readonly run: Duration.Duration
      readonly rm: Duration.Duration
      readonly pull: Duration.Duration
      readonly ps: Duration.Duration
      readonly inspect: Duration.Duration
      readonly pause: Duration.Duration
      readonly unpause: Duration.Duration
      readonly version: Duration.Duration
    }
    /** At most this many creates in flight (0 = unlimited). */
    readonly parallelRuns: number
    /** Suspend and resume with the freezer (`freezer.mode`) instead of the engine's pause. */
    readonly useRunc: boolean
  }
  readonly freezer: {
    /**
     * `EFFECT_WHISK_FREEZER` when set (it wins over `EFFECT_WHISK_USE_RUNC`); unset, `auto`, or `engine` when
     * `EFFECT_WHISK_USE_RUNC=false`.
     */
    readonly mode: Freezer.Mode
    /** The longest a cgroup freeze or thaw waits for the kernel to report the state. */
    readonly timeout: Duration.Duration
  }
  readonly runc: {
    readonly binary: string
    readonly root: string
    readonly timeouts: { readonly pause: Duration.Duration; readonly resume: Duration.Duration }
  }
  readonly containerArgs: {
    readonly network: string
    readonly dnsServers: ReadonlyArray<string>
    readonly dnsSearch: ReadonlyArray<string>
    readonly dnsOptions: ReadonlyArray<string>
    readonly extraEnv: ReadonlyArray<readonly [string, string]>
  }
  /** Containers are named `<prefix>_…`. */
  readonly containerNamePrefix: string
  /**
   * The owner instance put on every container (the `effect-whisk.owner` label), for a service that restarts: its
   * start removes what its earlier run left. None: a random id per engine layer.
   */
  readonly owner: Option.Option<string>
  /** `__OW_API_HOST` in every container's environment (B4); none: the variable is not set. */
  readonly apiHost: Option.Option<string>
  /** The deployment's override of the create request (B3), from `EFFECT_WHISK_CREATE_OVERRIDES` as JSON. */
  readonly createOverrides: CreateOverrides.CreateOverrides
  readonly registry: { readonly runtimes: string; readonly userImages: string }
  readonly pool: { readonly userMemory: ByteSize.ByteSize; readonly userCpus: Option.Option<number> }
  readonly payload: { readonly max: ByteSize.ByteSize; readonly truncation: ByteSize.ByteSize }
  readonly logs: {
    readonly limit: ByteSize.ByteSize
    readonly idleTimeout: Duration.Duration
    readonly timeoutPerMB: Duration.Duration
    readonly pollInterval: Duration.Duration
  }
  readonly oom: { readonly pollInterval: Duration.Duration; readonly window: Duration.Duration }
  readonly http: {
    readonly retryInterval: Duration.Duration
    /** The concurrency of the client a resume opens before any initialize (B12). */
    readonly defaultMaxConcurrent: number
  }
  readonly cleanupTimeout: Duration.Duration
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaults: Shape = {
  docker: {
    timeouts: {
      run: Duration.minutes(1),
      rm: Duration.minutes(1),
      pull: Duration.minutes(10),
      ps: Duration.minutes(1),
      inspect: Duration.minutes(1),
      pause: Duration.seconds(10),
      unpause: Duration.seconds(10),
      version: Duration.seconds(10)
    },
    parallelRuns: 10,
    useRunc: true
  },
  freezer: { mode: "auto", timeout: Duration.seconds(10) },
  runc: {
    binary: "runc",
    root: "/run/docker/runtime-runc/moby",
    timeouts: { pause: Duration.seconds(10), resume: Duration.seconds(10) }
  },
  containerArgs: { network: ContainerSpec.defaultNetwork, dnsServers: [], dnsSearch: [], dnsOptions: [], extraEnv: [] },
  containerNamePrefix: "effect-whisk",
  owner: Option.none(),
  apiHost: Option.none(),
  createOverrides: CreateOverrides.empty,
  registry: { runtimes: "", userImages: "" },
  pool: { userMemory: ByteSize.megabytes(1024), userCpus: Option.none() },
  payload: { max: ByteSize.megabytes(1), truncation: ByteSize.megabytes(1) },
  logs: {
    limit: ByteSize.megabytes(10),
    idleTimeout: Duration.seconds(2),
    timeoutPerMB: Duration.seconds(2),
    pollInterval: Duration.millis(5)
  },
  oom: { pollInterval: Duration.millis(5), window: Duration.seconds(2) },
  http: { retryInterval: Duration.millis(50), defaultMaxConcurrent: 1 },
  cleanupTimeout: Duration.seconds(30)
}

const duration = (name: string, fallback: Duration.Duration) => Config.withDefault(Config.duration(name), fallback)

const byteSize = (name: string, fallback: ByteSize.ByteSize) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => Either.mapLeft(ByteSize.parse(text), (error) => ConfigError.InvalidData([name], error.message))),
    Config.withDefault(fallback)
  )

const list = (name: string, fallback: ReadonlyArray<string>) =>
  Config.withDefault(Config.array(Config.string(), name), fallback)

/**
 * @since 0.1.0
 * @category config
 */
const freezerModes = ["auto", "cgroup", "runc", "engine"] as const

/**
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Shape> = Config.nested(
  Config.all({
    docker: Config.all({
      timeouts: Config.all({
        run: duration("DOCKER_TIMEOUT_RUN", defaults.docker.timeouts.run),
        rm: duration("DOCKER_TIMEOUT_RM", defaults.docker.timeouts.rm),
        pull: duration("DOCKER_TIMEOUT_PULL", defaults.docker.timeouts.pull),
        ps: duration("DOCKER_TIMEOUT_PS", defaults.docker.timeouts.ps),
        inspect: duration("DOCKER_TIMEOUT_INSPECT", defaults.docker.timeouts.inspect),
        pause: duration("DOCKER_TIMEOUT_PAUSE", defaults.docker.timeouts.pause),
        unpause: duration("DOCKER_TIMEOUT_UNPAUSE", defaults.docker.timeouts.unpause),
        version: duration("DOCKER_TIMEOUT_VERSION", defaults.docker.timeouts.version)
      }),
      parallelRuns: Config.integer("DOCKER_PARALLEL_RUNS").pipe(
        Config.validate({ message: "must be 0 (unlimited) or more", validation: (n) => n >= 0 }),
        Config.withDefault(defaults.docker.parallelRuns)
      ),
      useRunc: Config.withDefault(Config.boolean("USE_RUNC"), defaults.docker.useRunc)
    }),
    freezer: Config.all({
      mode: Config.option(Config.literal(...freezerModes)("FREEZER")),
      timeout: duration("FREEZER_TIMEOUT", defaults.freezer.timeout)
    }),
    runc: Config.all({
      binary: Config.withDefault(Config.nonEmptyString("RUNC_BINARY"), defaults.runc.binary),
      root: Config.withDefault(Config.nonEmptyString("RUNC_ROOT"), defaults.runc.root),
      timeouts: Config.all({
        pause: duration("RUNC_TIMEOUT_PAUSE", defaults.runc.timeouts.pause),
        resume: duration("RUNC_TIMEOUT_RESUME", defaults.runc.timeouts.resume)
      })
    }),
    containerArgs: Config.all({
      network: Config.withDefault(Config.nonEmptyString("NETWORK"), defaults.containerArgs.network),
      dnsServers: list("DNS_SERVERS", defaults.containerArgs.dnsServers),
      dnsSearch: list("DNS_SEARCH", defaults.containerArgs.dnsSearch),
      dnsOptions: list("DNS_OPTIONS", defaults.containerArgs.dnsOptions),
      extraEnv: list("EXTRA_ENV", []).pipe(
        Config.mapOrFail((entries) =>
          Either.mapLeft(ContainerSpec.parseEnvEntries(entries), (error) => ConfigError.InvalidData(["EXTRA_ENV"], error.message))
        )
      )
    }),
    containerNamePrefix: Config.nonEmptyString("CONTAINER_NAME_PREFIX").pipe(
      Config.validate({
        message: "must start with a letter or digit and have only letters, digits, _, . and -",
        validation: (s) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s)
      }),
      Config.withDefault(defaults.containerNamePrefix)
    ),
    owner: Config.option(
      Config.nonEmptyString("OWNER").pipe(
        Config.validate({
          message: "must start with a letter or digit and have only letters, digits, _, . and -",
          validation: (s) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s)
        })
      )
    ),
    apiHost: Config.option(Config.nonEmptyString("API_HOST")),
    createOverrides: CreateOverrides.config("CREATE_OVERRIDES"),
    registry: Config.all({
      runtimes: Config.withDefault(Config.string("RUNTIMES_REGISTRY"), defaults.registry.runtimes),
      userImages: Config.withDefault(Config.string("USER_IMAGES_REGISTRY"), defaults.registry.userImages)
    }),
    pool: Config.all({
      userMemory: byteSize("USER_MEMORY", defaults.pool.userMemory),
      userCpus: Config.option(
        Config.number("USER_CPUS").pipe(Config.validate({ message: "must be greater than 0", validation: (n) => n > 0 }))
      )
    }),
    payload: Config.all({
      max: byteSize("PAYLOAD_MAX", defaults.payload.max),
      truncation: byteSize("PAYLOAD_TRUNCATION", defaults.payload.truncation)
    }),
    logs: Config.all({
      limit: byteSize("LOG_LIMIT", defaults.logs.limit),
      idleTimeout: duration("LOG_IDLE_TIMEOUT", defaults.logs.idleTimeout),
      timeoutPerMB: duration("LOG_TIMEOUT_PER_MB", defaults.logs.timeoutPerMB),
      pollInterval: duration("LOG_POLL_INTERVAL", defaults.logs.pollInterval)
    }),
    oom: Config.all({
      pollInterval: duration("OOM_POLL_INTERVAL", defaults.oom.pollInterval),
      window: duration("OOM_WINDOW", defaults.oom.window)
    }),
    http: Config.all({
      retryInterval: duration("HTTP_RETRY_INTERVAL", defaults.http.retryInterval),
      defaultMaxConcurrent: Config.integer("HTTP_DEFAULT_MAX_CONCURRENT").pipe(
        Config.validate({ message: "must be 1 or more", validation: (n) => n >= 1 }),
        Config.withDefault(defaults.http.defaultMaxConcurrent)
      )
    }),
    cleanupTimeout: duration("CLEANUP_TIMEOUT", defaults.cleanupTimeout)
  }).pipe(Config.map(({ docker, freezer, ...rest }): Shape => {
    // An explicit freezer wins; unset, USE_RUNC=false keeps meaning the engine's pause.
    const mode = Option.getOrElse(freezer.mode, () => docker.useRunc ? "auto" as const : "engine" as const)
    return {
      ...rest,
      docker: { ...docker, useRunc: Option.isSome(freezer.mode) ? mode !== "engine" : docker.useRunc },
      freezer: { mode, timeout: freezer.timeout }
    }
  })),
  "EFFECT_WHISK"
)

/**
 * @since 0.1.0
 * @category tags
 */
export class WhiskConfig extends Context.Tag("@effect-whisk/core/WhiskConfig")<WhiskConfig, Shape>() {}

/**
 * The configuration read from the environment (through the current ConfigProvider).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<WhiskConfig, ConfigError.ConfigError> = Layer.effect(WhiskConfig, config)

/**
 * The defaults with some sections replaced, for tests and programs that configure in code.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (overrides: { readonly [K in keyof Shape]?: Partial<Shape[K]> } = {}): Layer.Layer<WhiskConfig> =>
  Layer.succeed(WhiskConfig, merge(overrides))

/**
 * @since 0.1.0
 * @category constructors
 */
export const merge = (overrides: { readonly [K in keyof Shape]?: Partial<Shape[K]> }): Shape => {
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(overrides)) {
    const base = (defaults as unknown as Record<string, unknown>)[key]
    merged[key] = typeof value === "object" && value !== null && !Duration.isDuration(value) && !Option.isOption(value) &&
        typeof base === "object"
      ? { ...base, ...value }
      : value
  }
  return merged as unknown as Shape
}

/**
 * Reads the configuration from a map of environment variables (without the provider of the running program).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv = (env: Readonly<Record<string, string>>): Effect.Effect<Shape, ConfigError.ConfigError> =>
  Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_" }))

