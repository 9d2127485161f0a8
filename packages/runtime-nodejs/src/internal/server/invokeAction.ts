import type { ActionHandler } from "./actionLoader.js"
import { serializeError } from "./serializeError.js"
import { type ActionFiles, userStack } from "./userStack.js"

/** How one call of the user's function ended. */
export type Invocation =
  | { readonly _tag: "Returned"; readonly result: unknown }
  | { readonly _tag: "Threw"; readonly error: unknown }

/**
 * Calls `main(params)` like upstream's NodeActionRunner: a synchronous throw is `Threw`; a returned promise is
 * awaited; `undefined` becomes `{}`; a rejection becomes the result `{ error: serializeError(reason) }` (`{}` for
 * a falsy reason), its stack reduced to the user's frames.
 */
export const invokeAction = async (handler: ActionHandler, params: object, files: ActionFiles): Promise<Invocation> => {
  let returned: unknown
  try {
    returned = handler(params)
  } catch (error) {
    return { _tag: "Threw", error }
  }
  try {
    const result: unknown = await returned
    return { _tag: "Returned", result: result === undefined ? {} : result }
  } catch (reason) {
    return { _tag: "Returned", result: { error: reason ? inUserTerms(serializeError(reason), files) : {} } }
  }
}

const inUserTerms = (serialized: unknown, files: ActionFiles): unknown => {
  if (typeof serialized !== "object" || serialized === null) return serialized
  const stack = (serialized as { stack?: unknown }).stack
  return typeof stack === "string" ? { ...serialized, stack: userStack(stack, files) } : serialized
}
