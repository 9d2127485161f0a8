/**
 * The live ContainerHttp: POSTs JSON to an action container's /init and /run over @effect/platform's HttpClient on
 * node:http (B15–B21).
 *
 * - `timeout` is a deadline for the whole call: waiting for a free slot, connecting, retries, and reading the answer.
 * - With `retry`, only a refused connection or a missing route (nothing was sent) is retried, every
 *   `retryInterval`, until the deadline; a request that may have reached the action is never sent twice.
 * - With `reschedule`, such a failure is a ContainerHealthError (Unreachable); a 503 answer is one too (ShuttingDown).
 * - An answer longer than `maxResponse` is cut to `truncation` bytes at a UTF-8 character boundary and marked
 *   truncated; the client never holds more than the limit in memory. An answer without Content-Length is read up to
 *   the limit (the original refused it as NoResponseReceived).
 * - Each client has its own agent without keep-alive, so no connection outlives its request, and at most
 *   `maxConcurrent` sockets: further requests wait in the agent's queue, so at most `maxConcurrent` requests are in
 *   flight. `close` interrupts the calls in flight and destroys the agent.
 *
 * @since 0.1.0
 */
import { ConnectionFailure, ContainerHttp, Errors, WhiskConfig } from "@effect-whisk/core"
import type { ContainerAddress, ContainerResponse } from "@effect-whisk/core"
import * as Schedules from "@effect-whisk/logs/Schedules"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Duration, Effect, ExecutionStrategy, Exit, FiberSet, Layer, Scope } from "effect"
import { awaitUntil } from "./internal/awaitUntil.js"
import { attempt, encodeRequest, targetOf } from "./internal/postRequest.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The pause between two attempts to connect to a container that refused (default 50 ms). */
  readonly retryInterval: Duration.DurationInput
}

const openClient = (
  parent: Scope.Scope,
  address: ContainerAddress.ContainerAddress,
  maxConcurrent: number,
  options: Options
): Effect.Effect<ContainerHttp.ContainerClient> =>
  Effect.gen(function*() {
    // A bound below 1 would block every call forever.
    const slots = Number.isFinite(maxConcurrent) ? Math.max(1, Math.floor(maxConcurrent)) : 1
    const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
    const agent = yield* Scope.extend(
      NodeHttpClient.makeAgent({ keepAlive: false, maxSockets: slots, maxTotalSockets: slots }),
      scope
    )
    const http = yield* NodeHttpClient.make.pipe(Effect.provideService(NodeHttpClient.HttpAgent, agent))
    // The post's own span covers the request; the platform's span per request would double the tracing cost.
    const client = http.pipe(HttpClient.withTracerDisabledWhen(() => true), HttpClient.withScope)
    // Closing the scope runs these in reverse: mark closed, interrupt the calls in flight, then destroy the agent.
    const inFlight = yield* Scope.extend(FiberSet.make<ContainerResponse.ContainerResponse, ContainerHttp.PostError>(), scope)
    let closed = false
    yield* Scope.addFinalizer(scope, Effect.sync(() => { closed = true }))

    const post = (
      path: string,
      body: unknown,
      postOptions: ContainerHttp.PostOptions
    ): Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError> => {
      const target = targetOf(address, path)
      const timeoutMillis = Duration.toMillis(postOptions.timeout)
      const call = (request: HttpClientRequest.HttpClientRequest) => {
        let lastRefusal: unknown = undefined
        const once = attempt(client, target, request, postOptions).pipe(
          Effect.catchTag("Unreachable", (refusal) => {
            lastRefusal = refusal.cause
            return Effect.fail(
              postOptions.reschedule
                ? new Errors.ContainerHealthError({ target, reason: "Unreachable", cause: refusal.cause })
                : refusal
            )
          })
        )
        const retried = postOptions.retry
          ? Effect.retry(once, {
            schedule: Schedules.connectRetry(postOptions.timeout, options),
            while: (error) => error._tag === "Unreachable"
          })
          : once
        const work = retried.pipe(
          Effect.catchTag("Unreachable", (refusal) =>
            Effect.fail(
              postOptions.retry
                ? new ConnectionFailure.Timeout({ target, timeoutMillis, cause: refusal.cause })
                : new ConnectionFailure.ConnectionError({ target, cause: refusal.cause })
            ))
        )
        const timedOut = Effect.suspend(() =>
          Effect.fail(new ConnectionFailure.Timeout({ target, timeoutMillis, cause: lastRefusal }))
        )
        return { work, timedOut }
      }
      const send = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.clockWith((clock) => {
          const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillis
          const { timedOut, work } = call(request)
          // A call runs in the client's set so that closing the client interrupts it.
          return Effect.flatMap(FiberSet.run(inFlight, work), (fiber) => awaitUntil(fiber, deadline, timedOut))
        })
      return Effect.suspend(() =>
        closed
          ? Effect.fail(
            new ConnectionFailure.ConnectionError({
              target,
              cause: new Error(`The HTTP client of the action container ${address.asString} is closed`)
            })
          )
          : Effect.flatMap(encodeRequest(target, body), send)
      ).pipe(Effect.withSpan("ContainerHttpClient.post", { attributes: { target }, captureStackTrace: false }))
    }

    return { post, close: Scope.close(scope, Exit.void) }
  })

/**
 * A ContainerHttp whose clients are all closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = WhiskConfig.defaults.http
): Effect.Effect<ContainerHttp.Service, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => ({
    open: (address, { maxConcurrent }) => openClient(scope, address, maxConcurrent, options)
  }))

/**
 * The live ContainerHttp, with the retry interval of the configuration (`EFFECT_WHISK_HTTP_RETRY_INTERVAL`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ContainerHttp.ContainerHttp, never, WhiskConfig.WhiskConfig> = Layer.scoped(
  ContainerHttp.ContainerHttp,
  Effect.flatMap(WhiskConfig.WhiskConfig, (config) => make(config.http))
)

/**
 * The live ContainerHttp with explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<ContainerHttp.ContainerHttp> =>
  Layer.scoped(ContainerHttp.ContainerHttp, make(options))
