import { ByteSize, Errors } from "@effect-whisk/core"
import { Effect } from "effect"
import type { CreateOptions } from "../DockerContainer.js"

/**
 * Docker's smallest memory limit (`linuxMinMemory`, 6 MiB): the engine refuses less, and the create body's whole
 * megabytes would turn less than 1 MiB into 0, which is no limit at all.
 *
 * @internal
 */
export const minimumMemory = ByteSize.megabytes(6)

const isString = (value: unknown): value is string => typeof value === "string"

/**
 * The resources of a create, checked before any engine call: memory at least the engine's minimum, a cpu limit a
 * finite number above 0, cpu shares a whole number (0 is the engine's default), label values strings.
 *
 * @internal
 */
export const checkResources = (options: CreateOptions): Effect.Effect<void, Errors.InvalidResources> => {
  const memory = options.memory
  if (memory !== undefined && !(Number.isFinite(memory.bytes) && memory.bytes >= minimumMemory.bytes)) {
    return Effect.fail(
      new Errors.InvalidResources({
        resource: "memory",
        input: String(memory.bytes),
        reason: `a memory limit is at least the engine's minimum of ${minimumMemory.bytes} bytes (6 MiB)`
      })
    )
  }
  const cpuLimit: unknown = options.cpuLimit
  if (cpuLimit !== undefined && !(typeof cpuLimit === "number" && Number.isFinite(cpuLimit) && cpuLimit > 0)) {
    return Effect.fail(
      new Errors.InvalidResources({ resource: "cpuLimit", input: String(cpuLimit), reason: "a cpu limit is a number above 0" })
    )
  }
  const cpuShares: unknown = options.cpuShares
  if (cpuShares !== undefined && !(typeof cpuShares === "number" && Number.isSafeInteger(cpuShares) && cpuShares >= 0)) {
    return Effect.fail(
      new Errors.InvalidResources({
        resource: "cpuShares",
        input: String(cpuShares),
        reason: "cpu shares are a whole number, 0 for the engine's default"
      })
    )
  }
  const badLabel = Object.entries(options.labels ?? {}).find(([, value]) => !isString(value))
  if (badLabel !== undefined) {
    return Effect.fail(
      new Errors.InvalidResources({ resource: "labels", input: badLabel[0], reason: "a label's value is a string" })
    )
  }
  return Effect.void
}

const encodingProblem = (value: unknown): string | undefined => {
  try {
    JSON.stringify(value)
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/**
 * Whether a value can be sent as JSON. What JSON.stringify would throw on later, deep in the HTTP call (a BigInt,
 * a cycle, a throwing toJSON), is a typed error here, before the request.
 *
 * @internal
 */
export const checkEncodable = (
  what: Errors.InvalidPayload["what"],
  value: unknown
): Effect.Effect<void, Errors.InvalidPayload> => {
  const problem = encodingProblem(value)
  return problem === undefined ? Effect.void : Effect.fail(new Errors.InvalidPayload({ what, reason: problem }))
}

/**
 * The body of a /run, checked with one encoding when it is fine (the hot path); when it is not, the part at fault
 * is named.
 *
 * @internal
 */
export const checkRunBody = (
  parameters: unknown,
  environment: Readonly<Record<string, unknown>>
): Effect.Effect<void, Errors.InvalidPayload> =>
  encodingProblem({ value: parameters, ...environment }) === undefined
    ? Effect.void
    : Effect.zipRight(checkEncodable("parameters", parameters), checkEncodable("environment", environment))
