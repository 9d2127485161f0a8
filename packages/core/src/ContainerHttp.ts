/**
 * The HTTP endpoint of an action container (/init, /run). `open` gives a client for one container, `probe` checks
 * that its port accepts connections; the live Layer (on node:http and node:net, `ContainerHttpClient`) is in
 * `@effect-whisk/docker`.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { ByteSize } from "./ByteSize.js"
import type { ConnectionError, NoResponseReceived, Timeout } from "./ConnectionFailure.js"
import type * as Container from "./Container.js"
import type { ContainerAddress } from "./ContainerAddress.js"
import * as ContainerResponse from "./ContainerResponse.js"
import type { ContainerHealthError, ProbeError } from "./Errors.js"
import { type CallLog, recording } from "./internal/callLog.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PostOptions {
  /** A deadline for the whole call, retries included. */
  readonly timeout: Duration.Duration
  /** An answer longer than this is cut to `truncation` bytes and marked truncated. */
  readonly maxResponse: ByteSize
  readonly truncation: ByteSize
  /** Retry refused connections (never a request that may have reached the action) until the deadline. */
  readonly retry: boolean
  /** A refused connection is a ContainerHealthError: the job goes to another container. */
  readonly reschedule: boolean
}

/**
 * A body already encoded as JSON: the client sends its text as it is. A caller that encodes a body anyway (to check
 * that it can be encoded, before any request) passes the text on, so that the body is encoded once per call.
 *
 * @since 0.1.0
 * @category models
 */
export class EncodedBody {
  constructor(readonly json: string) {}
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const encoded = (json: string): EncodedBody => new EncodedBody(json)

/**
 * The value a body stands for: an EncodedBody's text decoded, any other body as it is.
 *
 * @since 0.1.0
 * @category utils
 */
export const bodyValue = (body: unknown): unknown => body instanceof EncodedBody ? JSON.parse(body.json) : body

/**
 * @since 0.1.0
 * @category models
 */
export type PostError = ConnectionError | NoResponseReceived | Timeout | ContainerHealthError

/**
 * @since 0.1.0
 * @category models
 */
export interface ContainerClient {
  /** Posts `body` as JSON (an EncodedBody as its text). */
  readonly post: (
    path: string,
    body: unknown,
    options: PostOptions
  ) => Effect.Effect<ContainerResponse.ContainerResponse, PostError>
  /** Closes every connection; calls in flight are interrupted. */
  readonly close: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** How many requests may be in flight to the container at once. */
  readonly maxConcurrent: number
}

/**
 * @since 0.1.0
 * @category models
 */
export type ProbeOptions = Container.ProbeOptions

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly open: (address: ContainerAddress, options: OpenOptions) => Effect.Effect<ContainerClient>
  /**
   * A TCP connection to the address, closed as soon as it is made, nothing sent (the pool's health check, PX10).
   * Interrupting it closes the socket.
   */
  readonly probe: (address: ContainerAddress, options: ProbeOptions) => Effect.Effect<void, ProbeError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ContainerHttp extends Context.Tag("@effect-whisk/core/ContainerHttp")<ContainerHttp, Service>() {}

/**
 * The calls a test ContainerHttp received: `open(address, options)`, `post(address, path, body, options)`,
 * `close(address)` and `probe(address, options)`.
 *
 * @since 0.1.0
 * @category testing
 */
export class ContainerHttpCalls extends Context.Tag("@effect-whisk/core/ContainerHttp/Calls")<ContainerHttpCalls, CallLog>() {}

/**
 * @since 0.1.0
 * @category testing
 */
export interface TestRequest {
  readonly address: ContainerAddress
  readonly path: string
  readonly body: unknown
  readonly options: PostOptions
}

/**
 * A ContainerHttp whose every post is answered by `respond` (by default `200 {}`) and every probe by `probe` (by
 * default a success), recording the calls in `ContainerHttpCalls`. Both see the value a body stands for (an
 * EncodedBody decoded).
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (
  respond: (request: TestRequest) => Effect.Effect<ContainerResponse.ContainerResponse, PostError> = () =>
    Effect.succeed(ContainerResponse.make(200, "{}")),
  probe: (address: ContainerAddress, options: ProbeOptions) => Effect.Effect<void, ProbeError> = () => Effect.void
): Layer.Layer<ContainerHttp | ContainerHttpCalls> =>
  Layer.effectContext(Effect.gen(function*() {
    const { log, service: recorded } = yield* recording({
      open: (_address: ContainerAddress, _options: OpenOptions) => Effect.void,
      post: (address: ContainerAddress, path: string, body: unknown, options: PostOptions) =>
        respond({ address, path, body, options }),
      close: (_address: ContainerAddress) => Effect.void,
      probe
    })
    const service: Service = {
      probe: recorded.probe,
      open: (address, options) =>
        Effect.as(recorded.open(address, options), {
          post: (path, body, postOptions) => recorded.post(address, path, bodyValue(body), postOptions),
          close: recorded.close(address)
        })
    }
    return Context.make(ContainerHttp, service).pipe(Context.add(ContainerHttpCalls, log))
  }))
