import { ActionHttpConfig, ByteSize, ContainerConfig, EngineConfig, FreezerConfig, WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Config, Duration, Effect, Exit, Option } from "effect"

describe("WhiskConfig", () => {
  it.effect("T106 uses the defaults (D1) when nothing is set", () =>
    Effect.gen(function*() {
      const config = yield* WhiskConfig.fromEnv({})
      assert.deepStrictEqual(config, WhiskConfig.defaults)
      assert.strictEqual(config.container.network, "bridge")
      assert.deepStrictEqual(config.container.dnsServers, [])
      assert.deepStrictEqual(config.container.extraEnv, [])
      assert.strictEqual(config.engine.parallelRuns, 10)
      assert.strictEqual(config.freezer.mode, "auto")
      assert.isTrue(Duration.equals(config.engine.timeouts.pull, Duration.minutes(10)))
      assert.isTrue(Duration.equals(config.logs.oom.pollInterval, Duration.millis(5)))
      assert.deepStrictEqual(config.logs.limit, ByteSize.megabytes(10))
    }))

  it.effect("T107 takes overrides from EFFECT_WHISK_ variables", () =>
    Effect.gen(function*() {
      const config = yield* WhiskConfig.fromEnv({
        EFFECT_WHISK_NETWORK: "testwork",
        EFFECT_WHISK_DNS_SERVERS: "google.com,1.2.3.4",
        EFFECT_WHISK_DNS_SEARCH: "a.b.c,a.b",
        EFFECT_WHISK_DNS_OPTIONS: "ndots:5",
        EFFECT_WHISK_EXTRA_ENV: "e1=1,e2",
        EFFECT_WHISK_DOCKER_TIMEOUT_RUN: "90 seconds",
        EFFECT_WHISK_DOCKER_PARALLEL_RUNS: "0",
        EFFECT_WHISK_USE_RUNC: "false",
        EFFECT_WHISK_LOG_LIMIT: "2m",
        EFFECT_WHISK_USER_CPUS: "2"
      })
      assert.strictEqual(config.container.network, "testwork")
      assert.deepStrictEqual(config.container.dnsServers, ["google.com", "1.2.3.4"])
      assert.deepStrictEqual(config.container.dnsSearch, ["a.b.c", "a.b"])
      assert.deepStrictEqual(config.container.dnsOptions, ["ndots:5"])
      assert.deepStrictEqual(config.container.extraEnv, [["e1", "1"], ["e2", ""]])
      assert.isTrue(Duration.equals(config.engine.timeouts.run, Duration.seconds(90)))
      assert.strictEqual(config.engine.parallelRuns, 0)
      assert.strictEqual(config.freezer.mode, "engine")
      assert.deepStrictEqual(config.logs.limit, ByteSize.megabytes(2))
      assert.deepStrictEqual(config.container.userCpus, Option.some(2))
    }))

  it.effect("EFFECT_WHISK_FREEZER chooses the freezer and wins over EFFECT_WHISK_USE_RUNC", () =>
    Effect.gen(function*() {
      const mode = (env: Record<string, string>) =>
        Effect.map(WhiskConfig.fromEnv(env), (config) => [config.freezer.mode, FreezerConfig.usesRunc(config.freezer)] as const)
      assert.deepStrictEqual(yield* mode({}), ["auto", true])
      assert.deepStrictEqual(yield* mode({ EFFECT_WHISK_USE_RUNC: "false" }), ["engine", false])
      assert.deepStrictEqual(yield* mode({ EFFECT_WHISK_FREEZER: "cgroup" }), ["cgroup", true])
      assert.deepStrictEqual(yield* mode({ EFFECT_WHISK_FREEZER: "runc", EFFECT_WHISK_USE_RUNC: "false" }), ["runc", true])
      assert.deepStrictEqual(yield* mode({ EFFECT_WHISK_FREEZER: "engine", EFFECT_WHISK_USE_RUNC: "true" }), ["engine", false])
      const timeout = yield* WhiskConfig.fromEnv({ EFFECT_WHISK_FREEZER_TIMEOUT: "2 seconds" })
      assert.isTrue(Duration.equals(timeout.freezer.timeout, Duration.seconds(2)))
      const exit = yield* Effect.exit(WhiskConfig.fromEnv({ EFFECT_WHISK_FREEZER: "ice" }))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "FREEZER")
    }))

  it.effect("T105 requires user cpus to be greater than 0", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(WhiskConfig.fromEnv({ EFFECT_WHISK_USER_CPUS: "-1" }))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "must be greater than 0")
    }))

  it.effect("refuses bad values, naming the variable", () =>
    Effect.gen(function*() {
      for (const [name, value] of [
        ["EFFECT_WHISK_LOG_LIMIT", "lots"],
        ["EFFECT_WHISK_DOCKER_PARALLEL_RUNS", "-1"],
        ["EFFECT_WHISK_EXTRA_ENV", "1bad=x"],
        ["EFFECT_WHISK_CONTAINER_NAME_PREFIX", "-x"]
      ] as const) {
        const exit = yield* Effect.exit(WhiskConfig.fromEnv({ [name]: value }))
        assert.isTrue(Exit.isFailure(exit), name)
        assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), name.replace("EFFECT_WHISK_", ""))
      }
    }))

  it.effect("layerWith replaces only the given fields", () =>
    Effect.gen(function*() {
      const engine = yield* EngineConfig.EngineConfig
      assert.strictEqual(engine.parallelRuns, 1)
      assert.isTrue(Duration.equals(engine.timeouts.pull, Duration.minutes(10)))
      assert.isTrue(Duration.equals(engine.timeouts.run, Duration.seconds(5)))
      assert.strictEqual((yield* FreezerConfig.FreezerConfig).mode, "auto")
      assert.strictEqual((yield* ContainerConfig.ContainerConfig).network, "bridge")
    }).pipe(Effect.provide(WhiskConfig.layerWith({ engine: { parallelRuns: 1, timeouts: { run: Duration.seconds(5) } } }))))

  it.effect("layerConfig takes each setting as a Config of its own (Config.Wrap), as sql-pg's layerConfig does", () =>
    Effect.gen(function*() {
      const http = yield* ActionHttpConfig.ActionHttpConfig
      assert.isTrue(Duration.equals(http.retryInterval, Duration.millis(7)))
      assert.strictEqual(http.defaultMaxConcurrent, 3)
    }).pipe(
      Effect.provide(ActionHttpConfig.layerConfig({
        retryInterval: Config.succeed(Duration.millis(7)),
        defaultMaxConcurrent: Config.integer("CONCURRENCY"),
        preconnect: Config.succeed(Duration.zero)
      })),
      Effect.withConfigProvider(WhiskConfig.providerFromEnv({ CONCURRENCY: "3" }))
    ))

  it.effect("B4 EFFECT_WHISK_API_HOST is the API host; none by default or when empty", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual((yield* WhiskConfig.fromEnv({})).container.apiHost, Option.none())
      const config = yield* WhiskConfig.fromEnv({ EFFECT_WHISK_API_HOST: "https://whisk.example:443" })
      assert.deepStrictEqual(config.container.apiHost, Option.some("https://whisk.example:443"))
      assert.deepStrictEqual((yield* WhiskConfig.fromEnv({ EFFECT_WHISK_API_HOST: "" })).container.apiHost, Option.none())
    }))

  it.effect("EFFECT_WHISK_OWNER names a stable owner instance; one that is not a label value is refused", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual((yield* WhiskConfig.fromEnv({})).engine.owner, Option.none())
      assert.deepStrictEqual((yield* WhiskConfig.fromEnv({ EFFECT_WHISK_OWNER: "invoker-0" })).engine.owner, Option.some("invoker-0"))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(WhiskConfig.fromEnv({ EFFECT_WHISK_OWNER: "a/b" }))))
      // layerWith keeps an Option an Option.
      const engine = yield* Effect.provide(EngineConfig.EngineConfig, EngineConfig.layerWith({ owner: Option.some("x") }))
      assert.deepStrictEqual(engine.owner, Option.some("x"))
    }))
})
