// Every variable the README's Configuration table documents is read by the configuration it names in its "read by"
// column: set alone through a ConfigProvider, it changes that service's configuration. The list comes from the
// README, so a documented variable without a case here fails, and so does a case for a variable no longer documented.
import {
  ActionHttpConfig,
  ByteSize,
  ContainerConfig,
  EngineConfig,
  FreezerConfig,
  LogsConfig,
  WhiskConfig
} from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import type { Context, Layer } from "effect"
import { Duration, Effect, Equal, Option, Utils } from "effect"
import { readFileSync } from "node:fs"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")

interface Documented {
  readonly name: string
  readonly readBy: string
}

// `EFFECT_WHISK_RUNC_TIMEOUT_PAUSE` / `_RESUME` is RUNC_TIMEOUT_RESUME (a short name of one word replaces the last
// word); `EFFECT_WHISK_DNS_SERVERS`, `_DNS_SEARCH` is DNS_SEARCH (a longer one is the whole name).
const expand = (first: string, short: string): string =>
  short.slice(1).includes("_")
    ? `EFFECT_WHISK${short}`
    : `${first.slice(0, first.lastIndexOf("_"))}${short}`

const documented = (): ReadonlyArray<Documented> => {
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1))
  const rows = section.split("\n").filter((line) => line.startsWith("| `EFFECT_WHISK_"))
  return rows.flatMap((row) => {
    const [variables = "", , readBy = ""] = row.split(" | ")
    const names = [...variables.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]!)
    const [first = "", ...shorts] = names
    return [first, ...shorts.map((short) => expand(first, short))].map((name) => ({
      name,
      readBy: readBy.replaceAll("`", "").trim()
    }))
  })
}

type Configs = {
  readonly EngineConfig: EngineConfig.Shape
  readonly FreezerConfig: FreezerConfig.Shape
  readonly ActionHttpConfig: ActionHttpConfig.Shape
  readonly LogsConfig: LogsConfig.Shape
  readonly ContainerConfig: ContainerConfig.Shape
}

// Each configuration's own layer (from the environment) and tag: a variable must reach the service through it.
const services: { readonly [K in keyof Configs]: readonly [Layer.Layer<any, any>, Context.Tag<any, Configs[K]>] } = {
  EngineConfig: [EngineConfig.layer, EngineConfig.EngineConfig],
  FreezerConfig: [FreezerConfig.layer, FreezerConfig.FreezerConfig],
  ActionHttpConfig: [ActionHttpConfig.layer, ActionHttpConfig.ActionHttpConfig],
  LogsConfig: [LogsConfig.layer, LogsConfig.LogsConfig],
  ContainerConfig: [ContainerConfig.layer, ContainerConfig.ContainerConfig]
}

// What the service of `readBy` holds when only the given variables are set.
const configOf = <K extends keyof Configs>(readBy: K, env: Record<string, string>) => {
  const [layer, tag] = services[readBy]
  const config: Effect.Effect<Configs[K], unknown> = Effect.provide(tag, layer)
  return Effect.withConfigProvider(config, WhiskConfig.providerFromEnv(env))
}

interface Case {
  readonly readBy: keyof Configs
  readonly value: string
  /** The setting the variable gives, read from the configuration service when only `env` is set. */
  readonly observe: (env: Record<string, string>) => Effect.Effect<unknown, unknown>
  readonly expected: unknown
}

const of = <K extends keyof Configs>(
  readBy: K,
  value: string,
  read: (config: Configs[K]) => unknown,
  expected: unknown
): Case => ({ readBy, value, expected, observe: (env) => Effect.map(configOf(readBy, env), read) })

const seconds = (n: number) => Duration.seconds(n)

const cases: Readonly<Record<string, Case>> = {
  EFFECT_WHISK_DOCKER_TIMEOUT_RUN: of("EngineConfig", "71 seconds", (c) => c.timeouts.run, seconds(71)),
  EFFECT_WHISK_DOCKER_TIMEOUT_RM: of("EngineConfig", "72 seconds", (c) => c.timeouts.rm, seconds(72)),
  EFFECT_WHISK_DOCKER_TIMEOUT_PULL: of("EngineConfig", "73 seconds", (c) => c.timeouts.pull, seconds(73)),
  EFFECT_WHISK_DOCKER_TIMEOUT_PS: of("EngineConfig", "74 seconds", (c) => c.timeouts.ps, seconds(74)),
  EFFECT_WHISK_DOCKER_TIMEOUT_INSPECT: of("EngineConfig", "75 seconds", (c) => c.timeouts.inspect, seconds(75)),
  EFFECT_WHISK_DOCKER_TIMEOUT_PAUSE: of("EngineConfig", "76 seconds", (c) => c.timeouts.pause, seconds(76)),
  EFFECT_WHISK_DOCKER_TIMEOUT_UNPAUSE: of("EngineConfig", "77 seconds", (c) => c.timeouts.unpause, seconds(77)),
  EFFECT_WHISK_DOCKER_TIMEOUT_VERSION: of("EngineConfig", "78 seconds", (c) => c.timeouts.version, seconds(78)),
  EFFECT_WHISK_DOCKER_TIMEOUT_LOGS: of("EngineConfig", "79 seconds", (c) => c.timeouts.logs, seconds(79)),
  EFFECT_WHISK_LOG_SOURCE: of("EngineConfig", "api", (c) => c.logSource, "api"),
  EFFECT_WHISK_DOCKER_PARALLEL_RUNS: of("EngineConfig", "3", (c) => c.parallelRuns, 3),
  EFFECT_WHISK_ADDRESS: of("EngineConfig", "published", (c) => c.address, "published"),
  EFFECT_WHISK_FREEZER: of("FreezerConfig", "cgroup", (c) => c.mode, "cgroup"),
  EFFECT_WHISK_FREEZER_TIMEOUT: of("FreezerConfig", "4 seconds", (c) => c.timeout, seconds(4)),
  EFFECT_WHISK_USE_RUNC: of("FreezerConfig", "false", (c) => c.mode, "engine"),
  EFFECT_WHISK_RUNC_BINARY: of("FreezerConfig", "/opt/runc", (c) => c.runc.binary, "/opt/runc"),
  EFFECT_WHISK_RUNC_ROOT: of("FreezerConfig", "/run/elsewhere", (c) => c.runc.root, "/run/elsewhere"),
  EFFECT_WHISK_RUNC_TIMEOUT_PAUSE: of("FreezerConfig", "5 seconds", (c) => c.runc.timeouts.pause, seconds(5)),
  EFFECT_WHISK_RUNC_TIMEOUT_RESUME: of("FreezerConfig", "6 seconds", (c) => c.runc.timeouts.resume, seconds(6)),
  EFFECT_WHISK_NETWORK: of("ContainerConfig", "testnet", (c) => c.network, "testnet"),
  EFFECT_WHISK_DNS_SERVERS: of("ContainerConfig", "10.0.0.1,10.0.0.2", (c) => c.dnsServers, ["10.0.0.1", "10.0.0.2"]),
  EFFECT_WHISK_DNS_SEARCH: of("ContainerConfig", "a.b", (c) => c.dnsSearch, ["a.b"]),
  EFFECT_WHISK_DNS_OPTIONS: of("ContainerConfig", "ndots:5", (c) => c.dnsOptions, ["ndots:5"]),
  EFFECT_WHISK_API_HOST: of("ContainerConfig", "https://whisk.example", (c) => c.apiHost, Option.some("https://whisk.example")),
  EFFECT_WHISK_EXTRA_ENV: of("ContainerConfig", "A=1", (c) => c.extraEnv, [["A", "1"]]),
  EFFECT_WHISK_CREATE_OVERRIDES: of("ContainerConfig", `{"pidsLimit":64}`, (c) => c.createOverrides, { pidsLimit: 64 }),
  EFFECT_WHISK_CONTAINER_NAME_PREFIX: of("ContainerConfig", "pfx", (c) => c.namePrefix, "pfx"),
  EFFECT_WHISK_OWNER: of("EngineConfig", "invoker-1", (c) => c.owner, Option.some("invoker-1")),
  EFFECT_WHISK_RUNTIMES_REGISTRY: of("ContainerConfig", "r.example", (c) => c.registry.runtimes, "r.example"),
  EFFECT_WHISK_USER_IMAGES_REGISTRY: of("ContainerConfig", "u.example", (c) => c.registry.userImages, "u.example"),
  EFFECT_WHISK_USER_MEMORY: of("ContainerConfig", "2g", (c) => c.userMemory, ByteSize.megabytes(2048)),
  EFFECT_WHISK_USER_CPUS: of("ContainerConfig", "1.5", (c) => c.userCpus, Option.some(1.5)),
  EFFECT_WHISK_PAYLOAD_MAX: of("ContainerConfig", "2m", (c) => c.payload.max, ByteSize.megabytes(2)),
  EFFECT_WHISK_PAYLOAD_TRUNCATION: of("ContainerConfig", "3m", (c) => c.payload.truncation, ByteSize.megabytes(3)),
  EFFECT_WHISK_LOG_LIMIT: of("LogsConfig", "4m", (c) => c.limit, ByteSize.megabytes(4)),
  EFFECT_WHISK_LOG_IDLE_TIMEOUT: of("LogsConfig", "7 seconds", (c) => c.idleTimeout, seconds(7)),
  EFFECT_WHISK_LOG_TIMEOUT_PER_MB: of("LogsConfig", "8 seconds", (c) => c.timeoutPerMB, seconds(8)),
  EFFECT_WHISK_LOG_POLL_INTERVAL: of("LogsConfig", "9 millis", (c) => c.pollInterval, Duration.millis(9)),
  EFFECT_WHISK_OOM_POLL_INTERVAL: of("LogsConfig", "11 millis", (c) => c.oom.pollInterval, Duration.millis(11)),
  EFFECT_WHISK_OOM_WINDOW: of("LogsConfig", "12 seconds", (c) => c.oom.window, seconds(12)),
  EFFECT_WHISK_HTTP_RETRY_INTERVAL: of("ActionHttpConfig", "13 millis", (c) => c.retryInterval, Duration.millis(13)),
  EFFECT_WHISK_HTTP_DEFAULT_MAX_CONCURRENT: of("ActionHttpConfig", "4", (c) => c.defaultMaxConcurrent, 4),
  EFFECT_WHISK_HTTP_PRECONNECT: of("ActionHttpConfig", "0 millis", (c) => c.preconnect, Duration.zero),
  EFFECT_WHISK_CLEANUP_TIMEOUT: of("EngineConfig", "14 seconds", (c) => c.cleanupTimeout, seconds(14))
}

describe("the documented variables", () => {
  it("the README documents each variable once, with the configuration that reads it", () => {
    const names = documented().map((variable) => variable.name)
    assert.isAbove(names.length, 30)
    assert.deepStrictEqual(names.filter((name, i) => names.indexOf(name) !== i), [], "documented twice")
    assert.deepStrictEqual(names.filter((name) => !(name in cases)), [], "documented without a case here")
    assert.deepStrictEqual(Object.keys(cases).filter((name) => !names.includes(name)), [], "a case for an undocumented variable")
  })

  for (const { name, readBy } of documented()) {
    it.effect(`${name} is read by ${readBy}`, () =>
      Effect.gen(function*() {
        const variable = cases[name]
        assert.isDefined(variable, `${name} has no case`)
        if (variable === undefined) return
        assert.strictEqual(readBy, variable.readBy, "the README's \"read by\" column")
        const set = yield* variable.observe({ [name]: variable.value })
        const unset = yield* variable.observe({})
        assert.deepStrictEqual(set, variable.expected)
        const sameAsDefault = Utils.structuralRegion(() => Equal.equals(unset, variable.expected))
        assert.isFalse(sameAsDefault, "the value set differs from the default")
      }))
  }
})
