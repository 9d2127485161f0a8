import { Errors } from "@effect-whisk/core"
import { Duration, Effect } from "effect"

interface ModemError {
  readonly statusCode?: unknown
  readonly json?: unknown
  readonly code?: unknown
  readonly message?: unknown
}

const reasonOfStatus = (status: number): Errors.DockerEngineErrorReason => {
  if (status === 304) return "NotModified"
  if (status === 404) return "NotFound"
  if (status === 409) return "Conflict"
  if (status >= 500) return "ServerError"
  if (status >= 400) return "BadRequest"
  return "InvalidResponse"
}

// The engine's own words ({"message": "..."}) are what a person needs; docker-modem wraps them in "(HTTP code …)".
const engineMessage = (error: ModemError): string | undefined => {
  const json = error.json
  if (typeof json === "object" && json !== null && typeof (json as { message?: unknown }).message === "string") {
    return (json as { message: string }).message
  }
  if (typeof json === "string" && json.trim().length > 0) return json.trim()
  return typeof error.message === "string" ? error.message : undefined
}

/**
 * Maps a dockerode/docker-modem failure onto a DockerEngineError: an HTTP status gives its reason; a socket error
 * (refused, missing socket, reset) means the engine is unavailable.
 *
 * @internal
 */
export const toEngineError = (operation: string, target: string | undefined, cause: unknown): Errors.DockerEngineError => {
  const error = (typeof cause === "object" && cause !== null ? cause : {}) as ModemError
  const description = engineMessage(error) ?? String(cause)
  const base = target === undefined ? { operation } : { operation, target }
  if (typeof error.statusCode === "number") {
    return new Errors.DockerEngineError({
      ...base,
      reason: reasonOfStatus(error.statusCode),
      statusCode: error.statusCode,
      description,
      cause
    })
  }
  const reason: Errors.DockerEngineErrorReason = typeof error.code === "string" ? "Unavailable" : "InvalidResponse"
  return new Errors.DockerEngineError({ ...base, reason, description, cause })
}

/**
 * The failure of a call that got no answer within its timeout.
 *
 * @internal
 */
export const timeoutError = (operation: string, target: string | undefined, timeout: Duration.Duration) =>
  new Errors.DockerEngineError({
    ...(target === undefined ? { operation } : { operation, target }),
    reason: "Timeout",
    description: `no answer within ${Duration.format(timeout)}`
  })

/**
 * One engine API call: interruptible (the AbortSignal cancels the HTTP request) and bounded by its timeout.
 *
 * @internal
 */
export const engineCall = <A>(
  operation: string,
  target: string | undefined,
  timeout: Duration.Duration,
  call: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, Errors.DockerEngineError> =>
  Effect.tryPromise({ try: call, catch: (cause) => toEngineError(operation, target, cause) }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => timeoutError(operation, target, timeout) }),
    Effect.withSpan(`DockerEngine.${operation}`, {
      attributes: { target: target ?? "", timeout: Duration.format(timeout) }
    })
  )

/**
 * Whether a failed create may still have made a container: the engine gave no answer, so it may have acted.
 *
 * @internal
 */
export const mayHaveActed = (error: Errors.DockerEngineError): boolean =>
  error.reason === "Timeout" || error.reason === "Unavailable"
