/**
 * The result of an activation, and how a container's answer becomes one (B24–B26).
 *
 * @since 0.1.0
 */
import { Either, Option, Schema } from "effect"
import type { ConnectionFailure } from "./ConnectionFailure.js"
import type { ContainerResponse } from "./ContainerResponse.js"
import * as Messages from "./Messages.js"

/**
 * 0 success, 1 application error, 2 action developer error, 3 whisk internal error.
 *
 * @since 0.1.0
 * @category models
 */
export const StatusCode = Schema.Literal(0, 1, 2, 3)

/**
 * @since 0.1.0
 * @category models
 */
export type StatusCode = typeof StatusCode.Type

const statusNames = ["success", "application error", "action developer error", "whisk internal error"] as const

/**
 * @since 0.1.0
 * @category models
 */
export class ActivationResponse extends Schema.Class<ActivationResponse>("ActivationResponse")({
  statusCode: StatusCode,
  result: Schema.optional(Schema.Unknown),
  size: Schema.optional(Schema.NonNegativeInt)
}) {
  get isSuccess(): boolean {
    return this.statusCode === 0
  }
  get isApplicationError(): boolean {
    return this.statusCode === 1
  }
  /** A developer error: the platform destroys the container and reads its logs without waiting for sentinels. */
  get isContainerError(): boolean {
    return this.statusCode === 2
  }
  get isWhiskError(): boolean {
    return this.statusCode === 3
  }
  get status(): (typeof statusNames)[number] {
    return statusNames[this.statusCode]
  }
}

const make = (statusCode: StatusCode, result: unknown, size: number | undefined): ActivationResponse =>
  new ActivationResponse({
    statusCode,
    ...(result === undefined ? {} : { result }),
    ...(size === undefined ? {} : { size })
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const success = (result?: unknown, size?: number): ActivationResponse => make(0, result, size)

/**
 * @since 0.1.0
 * @category constructors
 */
export const applicationError = (error: unknown, size?: number): ActivationResponse => make(1, { error }, size)

/**
 * @since 0.1.0
 * @category constructors
 */
export const developerError = (error: unknown, size?: number): ActivationResponse => make(2, { error }, size)

/**
 * @since 0.1.0
 * @category constructors
 */
export const whiskError = (error: unknown, size?: number): ActivationResponse => make(3, { error }, size)

/**
 * Better than the original: the size of a response is its length in UTF-8 bytes, not in UTF-16 code units. Counted
 * without encoding (a lone surrogate counts as the 3 bytes of U+FFFD, as an encoder writes it).
 */
const sizeOf = (entity: string): number => {
  let bytes = entity.length
  for (let i = 0; i < entity.length; i++) {
    const unit = entity.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) bytes += 1
    else if (unit >= 0xd800 && unit <= 0xdbff && ((entity.charCodeAt(i + 1) & 0xfc00) === 0xdc00)) {
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const errorField = (value: unknown): Option.Option<unknown> =>
  isObject(value) && Object.hasOwn(value, "error") ? Option.some(value["error"]) : Option.none()

/**
 * Interprets a failed /init (B24). Interpreting an OK answer is a programming error.
 *
 * @since 0.1.0
 * @category interpreters
 */
export const processInitResponseContent = (
  response: Either.Either<ContainerResponse, ConnectionFailure>
): ActivationResponse =>
  Either.match(response, {
    onLeft: (failure) =>
      developerError(failure._tag === "MemoryExhausted" ? Messages.memoryExhausted : Messages.abnormalInitialization),
    onRight: (res) => {
      if (res.ok) throw new Error("requirement failed: should not interpret init response when status code is OK")
      if (Option.isSome(res.truncated)) {
        const { length, max } = res.truncated.value
        return developerError(Messages.truncatedResponseWithPrefix(res.entity, length, max), length.bytes)
      }
      const size = sizeOf(res.entity)
      return Option.match(Option.flatMap(parseJson(res.entity), errorField), {
        onSome: (error) => developerError(error, size),
        onNone: () => developerError(Messages.invalidInitResponse(res.entity), size)
      })
    }
  })

/**
 * A success whose fields are valid by construction, made as the class's constructor makes it without validation (its
 * fields assigned to an instance of the class) but without the constructor's look for defaults, which the class has
 * none of: the warm path of every activation.
 */
const validSuccess = (result: object, size: number): ActivationResponse =>
  Object.assign(Object.create(ActivationResponse.prototype) as ActivationResponse, { statusCode: 0 as const, result, size })

/**
 * The common answer to /run, a JSON object without an `error` field in a whole 200 answer, as the success the
 * general interpretation below makes of it, without its detours; undefined for any other answer. Its fields are
 * valid by construction (a status code of 0, a size counted in bytes), so the Schema's check is skipped: this is the
 * warm path of every activation.
 */
const commonRunSuccess = (res: ContainerResponse): ActivationResponse | undefined => {
  // A JSON object's text starts with "{", possibly after whitespace; anything else is left to the general path.
  if (!res.okStatus || Option.isSome(res.truncated)) return undefined
  if (res.entity.charCodeAt(0) !== 0x7b && !res.entity.trimStart().startsWith("{")) return undefined
  let value: unknown
  try {
    value = JSON.parse(res.entity)
  } catch {
    return undefined
  }
  return isObject(value) && !Object.hasOwn(value, "error") ? validSuccess(value, sizeOf(res.entity)) : undefined
}

/**
 * Interprets the answer to /run (B25).
 *
 * @since 0.1.0
 * @category interpreters
 */
export const processRunResponseContent = (
  response: Either.Either<ContainerResponse, ConnectionFailure>
): ActivationResponse =>
  (Either.isRight(response) ? commonRunSuccess(response.right) : undefined) ?? Either.match(response, {
    onLeft: (failure) =>
      developerError(failure._tag === "MemoryExhausted" ? Messages.memoryExhausted : Messages.abnormalRun),
    onRight: (res) => {
      if (Option.isSome(res.truncated)) {
        const { length, max } = res.truncated.value
        return applicationError(Messages.truncatedResponseWithPrefix(res.entity, length, max), length.bytes)
      }
      const size = sizeOf(res.entity)
      const invalid = () => developerError(Messages.invalidRunResponse(res.entity), size)
      return Option.match(parseJson(res.entity), {
        onNone: invalid,
        onSome: (value) =>
          Option.match(errorField(value), {
            onSome: (error) => res.okStatus ? applicationError(error, size) : developerError(error, size),
            onNone: () => (isObject(value) || Array.isArray(value)) && res.okStatus ? success(value, size) : invalid()
          })
      })
    }
  })

/**
 * What an activation reports when its container could not be started (B9).
 *
 * @since 0.1.0
 * @category interpreters
 */
export const fromStartupError = (error: { readonly _tag: string; readonly message: string }): ActivationResponse => {
  switch (error._tag) {
    case "WhiskContainerStartupError":
      return whiskError(error.message)
    case "BlackboxStartupError":
      return developerError(error.message)
    default:
      return whiskError(Messages.resourceProvisionError)
  }
}
