import {
  ByteSize,
  type Container,
  ContainerConfig,
  ContainerFactory,
  DockerEngine,
  EngineConfig,
  type EngineEndpoint,
  Freezer,
  FreezerConfig
} from "@effect-whisk/core"
import { Duration, Effect, Either, Option } from "effect"
import { existsSync } from "node:fs"
import { RuntimeImage } from "../RuntimeImage.js"

/**
 * ok: works as it is; warn: works, but something is missing or slower than it could be; fail: the main job (running an
 * action) cannot work until it is fixed; skip: not checked, because something it needs failed or is not configured.
 */
export type Status = "ok" | "warn" | "fail" | "skip"

export interface Check {
  readonly name: string
  readonly status: Status
  readonly summary: string
  /** What to change, when the status is not ok. */
  readonly fix?: string
}

export interface Diagnosis {
  readonly checks: ReadonlyArray<Check>
  /** Whether an action can run on this set-up: no check failed. */
  readonly canRun: boolean
}

const check = (name: string, status: Status, summary: string, fix?: string): Check =>
  fix === undefined ? { name, status, summary } : { name, status, summary, fix }

const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

const engineFix =
  "start the engine (as root: scripts/ensure-engine.sh, or dockerd), or point DOCKER_HOST at one that runs " +
  "(unix:///run/podman/podman.sock for Podman's API service, tcp://host:2375 for a remote engine)"

/**
 * The cgroup layout of this machine, which the cgroup freezer writes (only meaningful when the engine runs here).
 */
export const cgroupLayout = (root = "/sys/fs/cgroup"): Check => {
  if (existsSync(`${root}/cgroup.controllers`)) {
    return check("cgroup", "ok", `v2 (unified hierarchy at ${root}): containers freeze through cgroup.freeze`)
  }
  if (existsSync(`${root}/freezer`)) {
    return check("cgroup", "ok", `v1 (freezer hierarchy at ${root}/freezer): containers freeze through freezer.state`)
  }
  return check(
    "cgroup",
    "warn",
    `no cgroup freezer under ${root}`,
    "suspend uses runc or the engine's pause (EFFECT_WHISK_FREEZER=runc or engine); fine for a remote engine"
  )
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host)

/**
 * Whether a configured registry answers its API root (`/v2/`): 200, or 401 for one that wants credentials. A
 * registry on a loopback address is asked over plain HTTP (the engine trusts those without TLS), any other over
 * HTTPS.
 */
const registryAnswers = (registry: string, timeout: Duration.Duration) => {
  const host = registry.replace(/\/.*$/, "")
  const url = `${isLoopback(host) ? "http" : "https"}://${host}/v2/`
  return Effect.tryPromise({
    try: (signal) => fetch(url, { signal, redirect: "manual" }),
    catch: (cause) => cause
  }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`no answer within ${Duration.format(timeout)}`) }),
    Effect.map((response) => ({ url, status: response.status })),
    Effect.either
  )
}

const registries = Effect.gen(function*() {
  const { registry } = yield* ContainerConfig.ContainerConfig
  const configured = ([
    ["EFFECT_WHISK_RUNTIMES_REGISTRY", registry.runtimes],
    ["EFFECT_WHISK_USER_IMAGES_REGISTRY", registry.userImages]
  ] as const).filter(([, value]) => value.length > 0)
  if (configured.length === 0) {
    return [
      check(
        "registry",
        "skip",
        "none configured (EFFECT_WHISK_RUNTIMES_REGISTRY, EFFECT_WHISK_USER_IMAGES_REGISTRY): runtime images are " +
          "local, user images come from the engine's default registry"
      )
    ]
  }
  const checks: Array<Check> = []
  for (const [variable, value] of configured) {
    const answer = yield* registryAnswers(value, Duration.seconds(5))
    checks.push(
      Either.isRight(answer) && (answer.right.status === 200 || answer.right.status === 401)
        ? check("registry", "ok", `${value} (${variable}) answers on ${answer.right.url}`)
        : check(
          "registry",
          "warn",
          `${value} (${variable}) does not answer: ${
            Either.isRight(answer) ? `HTTP ${answer.right.status} from ${answer.right.url}` : messageOf(answer.left)
          }`,
          `start the registry or correct ${variable}; pulls of its images fail until then`
        )
    )
  }
  return checks
})

const noopAction = `function main(params) { console.log("doctor"); return { ok: true } }`

const millis = (duration: Duration.Duration) => `${Math.round(Duration.toMillis(duration))} ms`

/** What to change when a step of the trial fails. */
const trialFix: Record<string, string> = {
  create: "look at the error; `effect-whisk cleanup` removes leftovers, the engine's log tells why a start failed",
  init:
    "when the connection failed, the container's address does not answer from here: for an engine in a VM or on " +
    "another host set EFFECT_WHISK_ADDRESS=published (the action port is then published on the engine's host); " +
    "when the server answered, rebuild the runtime image (effect-whisk runtime build --force)",
  run: "the action server did not answer /run: look at the container's logs (docker logs)",
  logs: "the container's log is not readable here: set EFFECT_WHISK_LOG_SOURCE=api to read logs through the engine",
  suspend: "the freezer failed: set EFFECT_WHISK_FREEZER=engine (the engine's pause works wherever the engine does)",
  resume: "the freezer failed: set EFFECT_WHISK_FREEZER=engine (the engine's pause works wherever the engine does)"
}

interface TrialFailure {
  readonly step: string
  readonly error: unknown
}

/**
 * One activation's whole life on a real container of the runtime image: create, /init a no-op, /run, its logs,
 * suspend, resume, /run again, then destroy (the scope's). Gives how long each step took and which address, log
 * source and freezer strategy the container used, or the step that failed.
 */
const trial = (image: string) =>
  Effect.suspend(() => {
    const timings: Array<string> = []
    let current = "create"
    const timed = <A, E, R>(step: string, effect: Effect.Effect<A, E, R>) => {
      current = step
      return Effect.map(Effect.timed(effect), ([took, value]) => {
        timings.push(`${step} ${millis(took)}`)
        return value
      })
    }
    const options = { timeout: Duration.seconds(10), maxConcurrent: 1 }
    const run = (container: Container.Container) =>
      Effect.flatMap(timed("run", container.run({}, {}, options)), ({ response }) =>
        response.isSuccess
          ? Effect.void
          : Effect.fail(new Error(`the no-op action did not succeed: ${response.status} ${JSON.stringify(response.result)}`)))
    return Effect.scoped(Effect.gen(function*() {
      const container = yield* timed(
        "create",
        ContainerFactory.createScoped({ image, userProvided: false, memory: ByteSize.megabytes(128) })
      )
      yield* timed("init", container.initialize({ name: "doctor", main: "main", binary: false, code: noopAction }, options))
      yield* run(container)
      const lines = yield* timed("logs", container.logLines({ limit: ByteSize.kilobytes(16), waitForSentinel: true }))
      if (!lines.some((line) => line.includes("doctor"))) {
        return yield* Effect.fail(new Error(`the activation's log line is missing (${lines.length} lines came)`))
      }
      yield* timed("suspend", container.suspend)
      yield* timed("resume", container.resume)
      yield* run(container)
      return container
    })).pipe(
      Effect.flatMap((container) =>
        Effect.map(Effect.serviceOption(Freezer.Freezer), (freezer) => ({ container, freezer }))
      ),
      Effect.flatMap(({ container, freezer }) =>
        Option.match(freezer, {
          onNone: () => Effect.succeed({ container, timings, strategy: undefined }),
          onSome: (freezer) =>
            Effect.map(freezer.strategy, (strategy) => ({ container, timings, strategy: Option.getOrUndefined(strategy) }))
        })
      ),
      Effect.mapError((error): TrialFailure => ({ step: current, error })),
      Effect.either
    )
  })

/** The freezer setting, and why `auto` uses the engine's pause (or the cgroup and runc cannot work) for a remote engine. */
const freezerCheck = (mode: FreezerConfig.Shape["mode"], endpoint: EngineEndpoint.EngineEndpoint): Check =>
  endpoint.local
    ? check("freezer", "ok", `EFFECT_WHISK_FREEZER=${mode}`)
    : mode === "cgroup" || mode === "runc"
    ? check(
      "freezer",
      "warn",
      `EFFECT_WHISK_FREEZER=${mode}, but the engine at ${endpoint.url} is not on this machine`,
      "set EFFECT_WHISK_FREEZER=engine (or auto)"
    )
    : check("freezer", "ok", `EFFECT_WHISK_FREEZER=${mode}: the engine's pause (the engine is not on this machine)`)

/** How containers on the configured network are reached, as the engine decides it (asking it about the network). */
const addressCheck = (engine: DockerEngine.Service) =>
  Effect.gen(function*() {
    const { address } = yield* EngineConfig.EngineConfig
    const { network } = yield* ContainerConfig.ContainerConfig
    const strategy = yield* engine.addressStrategy(network)
    const where = engine.endpoint.local ? "on this machine" : "not on this machine"
    return check(
      "address",
      "ok",
      `EFFECT_WHISK_ADDRESS=${address}: ${strategy} on network ${network} (the engine at ${engine.endpoint.url} is ${where})`
    )
  })

/**
 * Everything `effect-whisk doctor` checks, in order: the engine, this machine's cgroups, the configured freezer, the
 * address strategy, the registries, the runtime image, and a trial activation on a real container.
 */
export const diagnose = Effect.gen(function*() {
  const checks: Array<Check> = []
  const engine = yield* DockerEngine.DockerEngine
  const version = yield* Effect.either(engine.version)
  if (Either.isLeft(version)) {
    checks.push(check("engine", "fail", `no engine answers at ${engine.endpoint.url}: ${version.left.message}`, engineFix))
  } else {
    checks.push(
      check(
        "engine",
        "ok",
        `${version.right.flavor === "podman" ? "Podman" : "Docker"} ${version.right.version} (API ${version.right.apiVersion}) at ${engine.endpoint.url}`
      )
    )
  }
  checks.push(cgroupLayout())
  const { mode } = yield* FreezerConfig.FreezerConfig
  checks.push(freezerCheck(mode, engine.endpoint))
  checks.push(
    Either.isLeft(version) ? check("address", "skip", "the engine does not answer") : yield* addressCheck(engine)
  )
  checks.push(...yield* registries)
  if (Either.isLeft(version)) {
    checks.push(check("runtime", "skip", "the engine does not answer"))
    checks.push(check("trial", "skip", "the engine does not answer"))
    return { checks, canRun: false }
  }
  const runtime = yield* RuntimeImage
  const present = yield* Effect.either(engine.hasImage(runtime.image))
  if (Either.isLeft(present) || !present.right) {
    checks.push(check(
      "runtime",
      "warn",
      Either.isLeft(present)
        ? `could not look for ${runtime.image}: ${present.left.message}`
        : `${runtime.image} is not on the engine`,
      "run `effect-whisk runtime build` (invoke also builds it when missing)"
    ))
    checks.push(check("trial", "skip", `needs ${runtime.image}`))
    return { checks, canRun: true }
  }
  checks.push(check("runtime", "ok", `${runtime.image} is on the engine`))
  const result = yield* trial(runtime.image)
  if (Either.isLeft(result)) {
    const { error, step } = result.left
    checks.push(check("trial", "fail", `${step} failed: ${messageOf(error)}`, trialFix[step]))
    return { checks, canRun: false }
  }
  const { container, strategy, timings } = result.right
  checks.push(
    check(
      "trial",
      "ok",
      `${timings.join(", ")}; address ${container.address.asString}, logs from ${container.capabilities.logSource}` +
        (strategy === undefined ? "" : `, freezer ${strategy}`)
    )
  )
  return { checks, canRun: true }
})
