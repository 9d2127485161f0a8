import { ConnectionFailure, ContainerResponse, Errors } from "@effect-whisk/core"
import type { ContainerAddress, ContainerHttp } from "@effect-whisk/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Data, Effect, Exit, Option, Scope } from "effect"
import { decodeWhole, readBounded, wholeBodyLimit } from "./responseBody.js"

/**
 * The connection could not be made, so the request never reached the action: the only failure that may be retried.
 *
 * @internal
 */
export class Unreachable extends Data.TaggedError("Unreachable")<{ readonly cause: unknown }> {}

/** Errors of connect(2) that prove nothing was sent: refused, and no route to the host or its network. */
const unreachableCodes: ReadonlySet<string> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"])

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

const innerCause = (error: HttpClientError.HttpClientError): unknown => error.cause ?? error

const classify = (target: string) => (error: HttpClientError.HttpClientError) => {
  const code = codeOf(error.cause)
  return error._tag === "RequestError" && error.reason === "Transport" && code !== undefined && unreachableCodes.has(code)
    ? new Unreachable({ cause: error.cause })
    : new ConnectionFailure.ConnectionError({ target, cause: innerCause(error) })
}

/** HTTP answers that carry no entity by definition. */
const withoutEntity = (status: number): boolean => status === 204 || status === 304 || status < 200

const declaredLength = (headers: Readonly<Record<string, string | undefined>>): Option.Option<number> => {
  const value = headers["content-length"]
  return value !== undefined && /^\d+$/.test(value.trim()) ? Option.some(Number(value.trim())) : Option.none()
}

/**
 * The request of one post: compact JSON, as the original sends it. A body that JSON cannot encode (a cycle, a
 * BigInt) is never sent and becomes a ConnectionError naming the reason.
 *
 * @internal
 */
export const encodeRequest = (
  target: string,
  body: unknown
): Effect.Effect<HttpClientRequest.HttpClientRequest, ConnectionFailure.ConnectionError> =>
  Effect.try({
    try: () =>
      HttpClientRequest.post(target).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyText(JSON.stringify(body) ?? "null", "application/json")
      ),
    catch: (cause) =>
      new ConnectionFailure.ConnectionError({
        target,
        cause: new Error(`The request body could not be encoded as JSON, so it was not sent: ${String(cause)}`)
      })
  })

const exchange = (
  client: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>,
  target: string,
  request: HttpClientRequest.HttpClientRequest,
  options: Pick<ContainerHttp.PostOptions, "maxResponse" | "truncation">
) =>
  client.execute(request).pipe(
    Effect.mapError(classify(target)),
    Effect.flatMap((response): Effect.Effect<
      ContainerResponse.ContainerResponse,
      ConnectionFailure.ConnectionError | ConnectionFailure.NoResponseReceived | Errors.ContainerHealthError
    > => {
      if (response.status === 503) return Effect.fail(new Errors.ContainerHealthError({ target, reason: "ShuttingDown" }))
      if (withoutEntity(response.status)) return Effect.fail(new ConnectionFailure.NoResponseReceived({ target }))
      const length = declaredLength(response.headers)
      const limits = { maxResponse: options.maxResponse.bytes, truncation: options.truncation.bytes }
      const small = Option.isSome(length) && length.value <= Math.min(limits.maxResponse, wholeBodyLimit)
      const body = small ? Effect.map(response.arrayBuffer, decodeWhole) : readBounded(response.stream, length, limits)
      return Effect.mapBoth(body, {
        onFailure: (error) => new ConnectionFailure.ConnectionError({ target, cause: innerCause(error) }),
        onSuccess: ({ entity, truncated }) => ContainerResponse.make(response.status, entity, truncated)
      })
    })
  )

/**
 * One attempt: send the request, read the answer within the limits. The request is aborted when the attempt's scope
 * closes, which it does unless the answer was read to its end (whole, not truncated): an answer that is not (a
 * truncation, a 503, a failure, an interruption at any point) leaves no socket open. An answer read to its end has
 * released its socket already, and aborting the finished request would cost a fifth of the call, so its scope is
 * dropped instead.
 *
 * @internal
 */
export const attempt = (
  client: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>,
  target: string,
  request: HttpClientRequest.HttpClientRequest,
  options: Pick<ContainerHttp.PostOptions, "maxResponse" | "truncation">
): Effect.Effect<
  ContainerResponse.ContainerResponse,
  Unreachable | ConnectionFailure.ConnectionError | ConnectionFailure.NoResponseReceived | Errors.ContainerHealthError
> =>
  Effect.flatMap(Scope.make(), (scope) =>
    Scope.extend(exchange(client, target, request, options), scope).pipe(
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) && Option.isNone(exit.value.truncated) ? Effect.void : Scope.close(scope, exit)
      )
    ))

/** @internal */
export const targetOf = (address: ContainerAddress.ContainerAddress, path: string): string =>
  `${address.url}${path.startsWith("/") ? path : `/${path}`}`
