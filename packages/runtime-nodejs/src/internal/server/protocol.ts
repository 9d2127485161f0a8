/** The constants and verbatim texts of the OpenWhisk action runtime protocol (R3–R11 in docs/runtime-protocol.md). */

export const activationSentinel = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

/** express.json({ limit: "48mb" }) of the upstream runtime. */
export const requestBodyLimitBytes = 48 * 1024 * 1024

export const defaultPort = 8080

export type RuntimeStatus = "ready" | "starting" | "running" | "stopped"

export const messages = {
  cannotReinitialize: "Cannot initialize the action more than once.",
  missingCode: "Missing main/no code to execute.",
  notInitialized: "System not initialized.",
  notReady: (status: RuntimeStatus) => `System not ready, status is ${status}.`,
  initializationFailed: (detail: string) => `Initialization has failed due to: ${detail}`,
  actionThrew: (error: unknown) => `An error has occurred: ${describeThrown(error)}`,
  notADictionary: "The action did not return a dictionary.",
  argumentNotADictionary: (type: string) =>
    `Internal system error: the argument must be a dictionary but has type '${type}'.`,
  badRequest: "Bad request.",
  internalError: "Internal error."
} as const

/** A reply of the runtime: an HTTP status and the JSON value of its body. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

export const reply = (status: number, body: unknown): Reply => ({ status, body })

export const errorReply = (status: number, error: string): Reply => ({ status, body: { error } })

/** `String(error)` as upstream's template literal would print it, without throwing for odd values. */
export const describeThrown = (error: unknown): string => {
  try {
    return String(error)
  } catch {
    return Object.prototype.toString.call(error)
  }
}
