import { ConnectionFailure, ContainerHttp, ContainerResponse, Errors } from "@effect-whisk/core"
import type { ContainerAddress } from "@effect-whisk/core"
import { Data, Either, Option } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { readBounded } from "./responseBody.js"

/**
 * The connection could not be made, so the request never reached the action: the only failure that may be retried.
 *
 * @internal
 */
export class Unreachable extends Data.TaggedError("Unreachable")<{ readonly cause: unknown }> {}

/** @internal */
export type AttemptError =
  | Unreachable
  | ConnectionFailure.ConnectionError
  | ConnectionFailure.NoResponseReceived
  | Errors.ContainerHealthError

/** @internal */
export interface PostRequest {
  readonly address: ContainerAddress.ContainerAddress
  /** The request path, starting with `/` (see `pathOf`). */
  readonly path: string
  /** The URL, for errors and spans. */
  readonly target: string
  /** The encoded body (see `encodeBody`). */
  readonly payload: string
  readonly options: Pick<ContainerHttp.PostOptions, "maxResponse" | "truncation">
  /** A connection opened ahead for this request, if one is ready (see SpareConnection); else it connects. */
  readonly spare?: () => net.Socket | undefined
}

/** Errors of connect(2) that prove nothing was sent: refused, and no route to the host or its network. */
const unreachableCodes: ReadonlySet<string> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"])

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/** HTTP answers that carry no entity by definition. */
const withoutEntity = (status: number): boolean => status === 204 || status === 304 || status < 200

/**
 * The answer's Content-Length, the first one as node keeps it, read from the raw headers: asking for `headers` makes
 * node build an object of them all, which a warm /run would pay for one field.
 */
const declaredLength = (rawHeaders: ReadonlyArray<string>): Option.Option<number> => {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length !== 14 || name.toLowerCase() !== "content-length") continue
    const value = rawHeaders[i + 1]!.trim()
    return /^\d+$/.test(value) ? Option.some(Number(value)) : Option.none()
  }
  return Option.none()
}

/**
 * The body of one post: compact JSON, as the original sends it (an EncodedBody's text as it is). A body that JSON
 * cannot encode (a cycle, a BigInt) is never sent and becomes a ConnectionError naming the reason.
 *
 * @internal
 */
export const encodeBody = (target: string, body: unknown): Either.Either<string, ConnectionFailure.ConnectionError> => {
  if (body instanceof ContainerHttp.EncodedBody) return Either.right(body.json)
  try {
    return Either.right(JSON.stringify(body) ?? "null")
  } catch (cause) {
    return Either.left(
      new ConnectionFailure.ConnectionError({
        target,
        cause: new Error(`The request body could not be encoded as JSON, so it was not sent: ${String(cause)}`)
      })
    )
  }
}

/**
 * One attempt on node:http: send the request, read the answer within the limits, and call `onDone` once with the
 * response or the failure. Gives the attempt's abort, a no-op once `onDone` was called.
 *
 * The socket is destroyed unless the answer was read to its end (whole, not truncated): an answer that is not (a
 * truncation, a 503, a failure, an abort at any point) leaves no socket open. An answer read to its end has released
 * its socket already (the agent keeps none alive).
 *
 * @internal
 */
export const sendAttempt = (
  request: PostRequest,
  onDone: (result: Either.Either<ContainerResponse.ContainerResponse, AttemptError>) => void
): () => void => {
  const { address, options, target } = request
  let settled = false
  let nodeRequest: http.ClientRequest | undefined
  const settle = (result: Either.Either<ContainerResponse.ContainerResponse, AttemptError>, destroy: boolean) => {
    if (settled) return
    settled = true
    if (destroy) nodeRequest?.destroy()
    onDone(result)
  }
  const failWith = (cause: unknown) => settle(Either.left(new ConnectionFailure.ConnectionError({ target, cause })), true)

  const onResponse = (response: http.IncomingMessage) => {
    const status = response.statusCode ?? 0
    if (status === 503) return settle(Either.left(new Errors.ContainerHealthError({ target, reason: "ShuttingDown" })), true)
    if (withoutEntity(status)) return settle(Either.left(new ConnectionFailure.NoResponseReceived({ target })), true)
    const limits = { maxResponse: options.maxResponse.bytes, truncation: options.truncation.bytes }
    readBounded(response, declaredLength(response.rawHeaders), limits, (body) =>
      Either.isRight(body)
        ? settle(Either.right(ContainerResponse.make(status, body.right.entity, body.right.truncated)), !response.complete)
        : failWith(body.left))
  }

  try {
    // A connection of its own, closed after the answer (`connection: close`): no keep-alive, and no agent at all,
    // neither a pool that would make the next request wait until this socket has closed nor the agent of its own
    // that `agent: false` makes for every request (the agent's bookkeeping cost about 3 % of a warm /run).
    nodeRequest = http.request({
      createConnection: () => request.spare?.() ?? net.createConnection({ host: address.host, port: address.port }),
      host: address.host,
      port: address.port,
      method: "POST",
      path: request.path,
      headers: {
        "content-type": "application/json",
        "accept": "application/json",
        "content-length": Buffer.byteLength(request.payload),
        "connection": "close"
      }
    })
  } catch (cause) {
    failWith(cause)
    return () => {}
  }
  // Kept for the request's whole life: a destroyed request emits an error that nobody else listens to.
  nodeRequest.on("error", (cause) => {
    const code = codeOf(cause)
    return code !== undefined && unreachableCodes.has(code)
      ? settle(Either.left(new Unreachable({ cause })), true)
      : failWith(cause)
  })
  nodeRequest.on("response", onResponse)
  nodeRequest.end(request.payload)
  return () => {
    if (settled) return
    settled = true
    nodeRequest?.destroy()
  }
}

/**
 * A GET of `/` that only asks whether an HTTP server answers behind a published port: `onDone(true)` on any answer
 * (its body is discarded), `onDone(false, cause)` when the connection failed or closed without one, which is what
 * the engine's port forwarder does while nothing listens in the container. Nothing an action runs on is sent.
 * Gives the probe's abort.
 *
 * @internal
 */
export const sendProbe = (
  address: ContainerAddress.ContainerAddress,
  onDone: (answered: boolean, cause?: unknown) => void
): () => void => {
  let settled = false
  let nodeRequest: http.ClientRequest | undefined
  const settle = (answered: boolean, cause?: unknown) => {
    if (settled) return
    settled = true
    nodeRequest?.destroy()
    onDone(answered, cause)
  }
  try {
    nodeRequest = http.request({ agent: false, host: address.host, port: address.port, method: "GET", path: "/" })
  } catch (cause) {
    settle(false, cause)
    return () => {}
  }
  // Kept for the request's whole life: a destroyed request emits an error that nobody else listens to.
  nodeRequest.on("error", (cause) => settle(false, cause))
  nodeRequest.on("response", () => settle(true))
  nodeRequest.end()
  return () => {
    if (settled) return
    settled = true
    nodeRequest?.destroy()
  }
}

/** @internal */
export const pathOf = (path: string): string => path.startsWith("/") ? path : `/${path}`

/** @internal */
export const targetOf = (address: ContainerAddress.ContainerAddress, path: string): string =>
  `${address.url}${pathOf(path)}`
