/**
 * What upstream's `serialize-error` package makes of a rejection reason, reduced to what JSON can carry: plain
 * values stay, functions become "[Function: name]", objects are copied (own enumerable keys, then name, message,
 * stack, code, cause, errors when present) with cycles as "[Circular]".
 */
export const serializeError = (reason: unknown): unknown => {
  if (typeof reason === "function") return functionLabel(reason)
  if (typeof reason !== "object" || reason === null) return reason
  return copyObject(reason, [])
}

const errorProperties = ["name", "message", "stack", "code", "cause", "errors"] as const

const functionLabel = (fn: { readonly name: string }): string => `[Function: ${fn.name || "anonymous"}]`

const isErrorLike = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  "name" in value &&
  "message" in value &&
  "stack" in value

const hasToJson = (value: object): value is { toJSON: () => unknown } =>
  typeof (value as { toJSON?: unknown }).toJSON === "function"

const copyValue = (value: unknown, seen: ReadonlyArray<object>): unknown => {
  if (Buffer.isBuffer(value)) return "[object Buffer]"
  if (typeof value === "object" && value !== null && typeof (value as { pipe?: unknown }).pipe === "function") {
    return "[object Stream]"
  }
  if (typeof value !== "object" || value === null) return value
  return seen.includes(value) ? "[Circular]" : copyObject(value, seen)
}

const copyObject = (from: object, seen: ReadonlyArray<object>): unknown => {
  if (hasToJson(from)) return from.toJSON()
  const path = [...seen, from]
  const to: Record<string, unknown> | Array<unknown> = Array.isArray(from) ? [] : {}
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === "function") continue
    ;(to as Record<string, unknown>)[key] = copyValue(value, path)
  }
  for (const property of errorProperties) {
    const value = (from as Record<string, unknown>)[property]
    if (value === undefined || value === null) continue
    ;(to as Record<string, unknown>)[property] =
      isErrorLike(value) || Array.isArray(value) ? copyValue(value, path) : value
  }
  return to
}
