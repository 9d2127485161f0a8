import { ByteSize, ContainerHttp, Errors } from "@effect-whisk/core"
import { Effect, Either } from "effect"
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
 * What JSON.stringify would throw on later, deep in the HTTP call (a BigInt, a cycle, a throwing toJSON), as a typed
 * error naming the part of the body at fault.
 */
const invalid = (what: Errors.InvalidPayload["what"], value: unknown): Errors.InvalidPayload | undefined => {
  const problem = encodingProblem(value)
  return problem === undefined ? undefined : new Errors.InvalidPayload({ what, reason: problem })
}

/**
 * A body encoded once: the text that is sent, or, when JSON cannot encode it, the first of `parts` at fault. When
 * no part alone is at fault, the body is given as it is and the client reports the failure as it would for any body.
 */
const encodeOnce = (
  body: unknown,
  parts: ReadonlyArray<readonly [Errors.InvalidPayload["what"], unknown]>
): Either.Either<unknown, Errors.InvalidPayload> => {
  try {
    return Either.right(ContainerHttp.encoded(JSON.stringify(body)))
  } catch {
    for (const [what, value] of parts) {
      const error = invalid(what, value)
      if (error !== undefined) return Either.left(error)
    }
    return Either.right(body)
  }
}

/**
 * The body of an /init, `{"value": initializer}`, encoded once (the hot path encodes nothing twice); an initializer
 * that JSON cannot encode is an InvalidPayload, before any request.
 *
 * @internal
 */
export const encodeInitBody = (initializer: unknown): Either.Either<unknown, Errors.InvalidPayload> =>
  encodeOnce({ value: initializer }, [["initializer", initializer]])

/**
 * The body of a /run, `{"value": parameters}` merged with the activation's fields (which win on a clash), encoded
 * once; when it cannot be, the part at fault is named.
 *
 * @internal
 */
export const encodeRunBody = (
  parameters: unknown,
  environment: Readonly<Record<string, unknown>>
): Either.Either<unknown, Errors.InvalidPayload> =>
  encodeOnce({ value: parameters, ...environment }, [["parameters", parameters], ["environment", environment]])
