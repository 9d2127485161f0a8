import { type ContainerConfig, ContainerResources, ContainerSpec, CreateOverrides, type Errors, ImageName } from "@effect-whisk/core"
import { Effect, Option } from "effect"
import { randomBytes } from "node:crypto"
import type { CreateOptions } from "../DockerContainer.js"
import { checkResources } from "./validation.js"

/** @internal */
export interface CreatePlan {
  readonly image: ImageName.ImageName
  /** The reference handed to the engine (B5). */
  readonly resolved: string
  readonly userProvided: boolean
  readonly useRunc: boolean
  readonly spec: ContainerSpec.ContainerSpec
}

// ContainerProxy keeps only these characters in container names (B4); the engine refuses the rest.
const nameCharacters = /[^a-zA-Z0-9_.-]/g

const containerName = (prefix: string, given: string | undefined): string => {
  const cleaned = (given ?? "").replace(nameCharacters, "")
  if (cleaned.length === 0) return `${prefix}_${randomBytes(8).toString("hex")}`
  return cleaned.startsWith(`${prefix}_`) ? cleaned : `${prefix}_${cleaned}`
}

// The API host comes first and the configured extra environment is merged over the create's own, as OpenWhisk's
// map merge does (B4): either may replace `__OW_API_HOST`.
const environment = (
  apiHost: Option.Option<string>,
  given: Readonly<Record<string, string>>,
  extra: ReadonlyArray<readonly [string, string]>
): ReadonlyArray<readonly [string, string]> => {
  const merged = new Map<string, string>()
  if (Option.isSome(apiHost)) merged.set("__OW_API_HOST", apiHost.value)
  for (const [key, value] of Object.entries(given)) merged.set(key, value)
  for (const [key, value] of extra) merged.set(key, value)
  return [...merged]
}

/**
 * Everything a create decides before touching the engine: the resolved image, the pull rule that applies, and the
 * engine's container spec (B1–B5). Bad input (image reference, environment, resources) is a typed error here.
 *
 * @internal
 */
export const plan = (
  options: CreateOptions,
  config: ContainerConfig.Shape,
  /** Whether the context freezes by other means than the engine's pause. */
  defaultUseRunc: boolean
): Effect.Effect<CreatePlan, Errors.InvalidImageName | Errors.InvalidEnvironment | Errors.InvalidResources> =>
  Effect.gen(function*() {
    const image = yield* ImageName.parse(options.image)
    yield* checkResources(options)
    const registry = options.userProvided ? config.registry.userImages : config.registry.runtimes
    const resolved = image.resolve(registry)
    const env = yield* ContainerSpec.validateEnv(environment(config.apiHost, options.environment ?? {}, config.extraEnv))
    const memory = options.memory ?? ContainerSpec.defaultMemory
    const overrides = config.createOverrides
    if (!CreateOverrides.isEmpty(overrides)) {
      // Only what `masked` leaves visible reaches the logs and the trace (T107's masking).
      const shown = JSON.stringify(CreateOverrides.describe(overrides))
      yield* Effect.annotateCurrentSpan("createOverrides", shown)
      yield* Effect.logDebug(`creating ${resolved} with the configured overrides ${shown}`)
    }
    const spec = CreateOverrides.apply(ContainerSpec.make({
      image: resolved,
      name: Option.some(containerName(config.namePrefix, options.name)),
      env,
      memory,
      cpuShares: options.cpuShares ?? ContainerResources.cpuShares(config.userMemory, memory),
      cpus: options.cpuLimit === undefined
        ? ContainerResources.cpuLimit(config.userMemory, memory, config.userCpus)
        : Option.some(options.cpuLimit),
      network: options.network ?? config.network,
      dnsServers: options.dnsServers ?? config.dnsServers,
      dnsSearch: options.dnsSearch ?? config.dnsSearch,
      dnsOptions: options.dnsOptions ?? config.dnsOptions,
      labels: options.labels ?? {}
    }), overrides)
    return {
      image,
      resolved,
      userProvided: options.userProvided,
      useRunc: options.useRunc ?? defaultUseRunc,
      spec
    }
  })
