import { Either } from "effect"
import { UsageError } from "./usageError.js"

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A value is JSON when it parses as JSON (`5`, `true`, `{"a":1}`, `"007"`), else the text itself (as wsk does). */
export const parseValue = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** `KEY=VALUE`, split on the first `=`. */
export const parseParam = (entry: string): Either.Either<readonly [string, unknown], UsageError> => {
  const at = entry.indexOf("=")
  if (at < 0) {
    return Either.left(new UsageError({ message: `--param expects KEY=VALUE, got '${entry}'; for example --param name=Ada` }))
  }
  const key = entry.slice(0, at)
  if (key.trim().length === 0) {
    return Either.left(new UsageError({ message: `--param '${entry}' has an empty key; write KEY=VALUE, for example --param name=Ada` }))
  }
  return Either.right([key, parseValue(entry.slice(at + 1))] as const)
}

/** `--params-json` must be a JSON object. */
export const parseParamsJson = (text: string): Either.Either<Record<string, unknown>, UsageError> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return Either.left(new UsageError({ message: `--params-json is not valid JSON (${detail}); give an object such as '{"name":"Ada"}'` }))
  }
  return isObject(value)
    ? Either.right(value)
    : Either.left(new UsageError({ message: `--params-json must be a JSON object such as '{"name":"Ada"}', got ${text}` }))
}

/** The parameters of the activation: `--params-json` first, then each `--param` in order (a later one wins). */
export const combine = (
  paramsJson: string | undefined,
  params: ReadonlyArray<string>
): Either.Either<Record<string, unknown>, UsageError> =>
  Either.gen(function*() {
    const result: Record<string, unknown> = paramsJson === undefined ? {} : { ...(yield* parseParamsJson(paramsJson)) }
    for (const entry of params) {
      const [key, value] = yield* parseParam(entry)
      result[key] = value
    }
    return result
  })
