import { ContainerId, Errors } from "@effect-whisk/core"
import { Duration, Effect, Either } from "effect"

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

// Podman's compatible API answers some refusals with 500 where Docker gives a 4xx, and says which in `cause`
// ({"cause": "...", "message": "...", "response": 500}); the cause decides the reason, so that both engines' refusals
// are the same typed error.
const reasonOfPodmanCause: ReadonlyArray<readonly [RegExp, Errors.DockerEngineErrorReason]> = [
  [/^container state improper$/i, "Conflict"],
  [/^that name is already in use$/i, "Conflict"],
  [/^no such (container|image|object)$/i, "NotFound"],
  [/^image not known$/i, "NotFound"]
]

const podmanReason = (error: ModemError): Errors.DockerEngineErrorReason | undefined => {
  const json = error.json
  const cause = typeof json === "object" && json !== null ? (json as { cause?: unknown }).cause : undefined
  if (typeof cause !== "string") return undefined
  return reasonOfPodmanCause.find(([pattern]) => pattern.test(cause.trim()))?.[1]
}

// Docker refuses to unpause a running container with a 500 (and to pause a paused one with a 409): both are the
// container's state, a Conflict, as Podman's are.
const dockerReason = (status: number, message: string | undefined): Errors.DockerEngineErrorReason | undefined =>
  status === 500 && message !== undefined && /^Container [0-9a-f]+ is not paused$/.test(message.trim())
    ? "Conflict"
    : undefined

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
      reason: podmanReason(error) ?? dockerReason(error.statusCode, engineMessage(error)) ?? reasonOfStatus(error.statusCode),
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

class DeadlinePassed {
  readonly _tag = "DeadlinePassed"
}

// setTimeout fires at once for a delay above this (about 24.8 days): a longer (or infinite) timeout waits this long.
const longestTimer = 2 ** 31 - 1

/**
 * Runs the call with a signal that aborts at the deadline (a timer) or when the fiber is interrupted, whichever is
 * first; the promise settles by the deadline even if the call ignored the abort. The timer, not the fiber, is what
 * bounds the call: in a finalizer or another uninterruptible region no Effect timeout can stop a call, so a stalled
 * engine would hold the region for as long as the engine stalls.
 */
const withDeadline = <A>(millis: number, call: (signal: AbortSignal) => Promise<A>, interrupted: AbortSignal) =>
  new Promise<A>((resolve, reject) => {
    const controller = new AbortController()
    const onInterrupt = () => controller.abort(interrupted.reason)
    const timer = setTimeout(() => {
      const reason = new DeadlinePassed()
      controller.abort(reason)
      reject(reason)
    }, millis)
    const settle = () => {
      clearTimeout(timer)
      interrupted.removeEventListener("abort", onInterrupt)
    }
    if (interrupted.aborted) onInterrupt()
    else interrupted.addEventListener("abort", onInterrupt, { once: true })
    let started: Promise<A>
    try {
      started = call(controller.signal)
    } catch (error) {
      started = Promise.reject(error)
    }
    started.then(
      (value) => {
        settle()
        resolve(value)
      },
      (error: unknown) => {
        settle()
        // Whatever the request left open (a redirect's unread answer, a half-read body) is closed with it.
        controller.abort(error)
        reject(error)
      }
    )
  })

/**
 * One engine API call: aborted at its timeout by a timer, in any region, and cancelled when interrupted.
 *
 * @internal
 */
export const engineCall = <A>(
  operation: string,
  target: string | undefined,
  timeout: Duration.Duration,
  call: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, Errors.DockerEngineError> =>
  Effect.tryPromise({
    try: (interrupted) =>
      withDeadline(Math.min(longestTimer, Math.max(1, Math.ceil(Duration.toMillis(timeout)))), call, interrupted),
    catch: (cause) =>
      cause instanceof DeadlinePassed ? timeoutError(operation, target, timeout) : toEngineError(operation, target, cause)
  }).pipe(
    Effect.withSpan(`DockerEngine.${operation}`, {
      attributes: { target: target ?? "", timeout: Duration.format(timeout) }
    })
  )

/**
 * The id or name a call puts into its request path, checked first: anything else would change the path (and make
 * the engine answer for another resource, or redirect), so it fails with reason `InvalidId` before any request.
 *
 * @internal
 */
export const checkedId = (
  operation: string,
  idOrName: string
): Effect.Effect<ContainerId.ContainerId, Errors.DockerEngineError> =>
  Either.match(ContainerId.parse(idOrName), {
    onLeft: (invalid) =>
      Effect.fail(
        new Errors.DockerEngineError({
          operation,
          target: String(idOrName),
          reason: "InvalidId",
          description: invalid.message,
          cause: invalid
        })
      ),
    onRight: Effect.succeed
  })

/**
 * Whether a failed create may still have made a container: the engine gave no answer, so it may have acted.
 *
 * @internal
 */
export const mayHaveActed = (error: Errors.DockerEngineError): boolean =>
  error.reason === "Timeout" || error.reason === "Unavailable"
