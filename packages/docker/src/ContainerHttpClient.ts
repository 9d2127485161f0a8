/**
 * The live ContainerHttp: POSTs JSON to an action container's /init and /run on node:http (B15–B21). Each call is
 * one `Effect.async` that does the whole exchange with node's callbacks (connect, send, read, retry, deadline) and
 * resumes its fiber once: a warm /run costs about what a bare node:http POST costs, where @effect/platform's
 * HttpClient cost 1.8 × one (see the root README's benchmark notes).
 *
 * - `timeout` is a deadline for the whole call: waiting for a free slot, connecting, retries, and reading the answer.
 *   A timer aborts the request at the deadline (its socket is destroyed) and the call fails with Timeout.
 * - With `retry`, only a refused connection or a missing route (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH: nothing was
 *   sent) is retried, every `retryInterval`, until the deadline; a request that may have reached the action is never
 *   sent twice. To a published port (`ContainerAddress.published`) such a call first sends `GET /` until any HTTP
 *   answer comes back (the engine's forwarder accepts and closes connections while nothing listens behind it, so a
 *   closed connection there proves nothing about the request), then the request once.
 * - With `reschedule`, such a failure is a ContainerHealthError (Unreachable); a 503 answer is one too (ShuttingDown).
 * - A body that JSON cannot encode is never sent: a ConnectionError names the reason.
 * - An answer longer than `maxResponse` is cut to `truncation` bytes at a UTF-8 character boundary and marked
 *   truncated; the client never holds more than the limit in memory. An answer without Content-Length is read up to
 *   the limit (the original refused it as NoResponseReceived).
 * - `probe` (the pool's health check, PX10) makes a TCP connection to the address and destroys it as soon as it is
 *   made, sending nothing: refused is ProbeError `Refused`, another socket error `Unreachable`, no connection within
 *   its timeout `Timeout`. To a published port it reaches the engine's forwarder, which accepts while the container
 *   runs whether or not the action listens; once the container stops, the port is closed and the probe is refused.
 * - Each request has a connection of its own, without keep-alive: no connection carries two requests. At most
 *   `maxConcurrent` calls of a client are in flight; further calls wait for a slot, in order. Interrupting a call
 *   destroys its socket; `close` interrupts the calls in flight or waiting, destroys their sockets, and later calls
 *   fail.
 * - A connection opened ahead (`preconnect`): once a call has its answer, and after its caller has it, the client
 *   connects for its next call, so that the next request skips the TCP handshake (about a third of a warm /run here).
 *   Nothing is sent on it until a call takes it. It is closed unused after `preconnect` (2 s by default; 0 opens
 *   none), when the peer closes it or fails it, and by `close` (a suspend: no connection survives a freeze, B11). A
 *   call that finds none, or one no longer open, connects as before; one that never answered, or failed, leaves none.
 *
 * @since 0.1.0
 */
import { ActionHttpConfig, ConnectionFailure, ContainerHttp, Errors } from "@effect-whisk/core"
import type { ContainerAddress, ContainerResponse } from "@effect-whisk/core"
import { Duration, Effect, Either, Layer, type Scope } from "effect"
import { CallSlots } from "./internal/callSlots.js"
import { SpareConnection } from "./internal/spareConnection.js"
import { type AttemptError, encodeBody, pathOf, sendAttempt, sendProbe, targetOf } from "./internal/postRequest.js"
import * as TcpProbe from "./internal/tcpProbe.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The pause between two attempts to connect to a container that refused (default 50 ms). */
  readonly retryInterval: Duration.DurationInput
  /**
   * How long a connection opened ahead for a client's next call waits for it (default 2 s, well inside any HTTP
   * server's wait for a request on a new connection: node's is 60 s; 0: none is opened).
   */
  readonly preconnect?: Duration.DurationInput
}

/** setTimeout takes at most a signed 32-bit number of milliseconds (a longer delay fires at once). */
const longestTimer = 2 ** 31 - 1

type Resume = (effect: Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError>) => void

/**
 * The clients of one ContainerHttp that are open, each by its close; all of them are closed with the service's
 * scope. A plain set rather than a child Scope per client: a warm activation opens and closes one (resume, suspend).
 */
interface OpenClients {
  readonly closers: Set<() => void>
  closed: boolean
}

const openClient = (
  clients: OpenClients,
  address: ContainerAddress.ContainerAddress,
  maxConcurrent: number,
  options: Options
): ContainerHttp.ContainerClient => {
  // A bound below 1 would block every call forever.
  const size = Number.isFinite(maxConcurrent) ? Math.max(1, Math.floor(maxConcurrent)) : 1
  const retryMillis = Duration.toMillis(Duration.decode(options.retryInterval))
  const spare = new SpareConnection(address, Duration.toMillis(Duration.decode(options.preconnect ?? ActionHttpConfig.defaults.preconnect)))
  /** The calls in flight or waiting for a slot, each by the function that interrupts it. */
  const calls = new Set<() => void>()
  const slots = new CallSlots(size)
  let closed = false
  const closeNow = () => {
    if (closed) return
    closed = true
    clients.closers.delete(closeNow)
    spare.close()
    // Closed first, so that no waiting call starts while the calls are interrupted.
    slots.close()
    for (const interrupt of calls) interrupt()
  }
  // A client posts to one or two paths (/init, /run): their URLs are made once.
  const routes = new Map<string, { readonly path: string; readonly target: string }>()
  const routeOf = (path: string) => {
    let route = routes.get(path)
    if (route === undefined) {
      route = { path: pathOf(path), target: targetOf(address, path) }
      routes.set(path, route)
    }
    return route
  }
  // A client opened once its service is closed is closed from the start.
  if (clients.closed) closeNow()
  else clients.closers.add(closeNow)

  const post = (
    path: string,
    body: unknown,
    postOptions: ContainerHttp.PostOptions
  ): Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError> =>
    // The deadline is kept by node's timers, so it is measured on the wall clock they run on (Date.now), not on the
    // fiber's Clock: a TestClock would move the one without the other.
    Effect.async<ContainerResponse.ContainerResponse, ContainerHttp.PostError>((resume) => {
      const route = routeOf(path)
      const target = route.target
      if (closed) {
        return resume(Effect.fail(
          new ConnectionFailure.ConnectionError({
            target,
            cause: new Error(`The HTTP client of the action container ${address.asString} is closed`)
          })
        ))
      }
      const payload = encodeBody(target, body)
      if (Either.isLeft(payload)) return resume(Effect.fail(payload.left))
      const timeoutMillis = Duration.toMillis(postOptions.timeout)
      const deadline = Date.now() + timeoutMillis
      const request = { address, path: route.path, target, payload: payload.right, options: postOptions, spare: spare.take }
      let done = false
      let abortAttempt = () => {}
      let deadlineTimer: ReturnType<typeof setTimeout> | undefined
      let retryTimer: ReturnType<typeof setTimeout> | undefined
      let lastRefusal: unknown = undefined

      const end = () => {
        done = true
        clearTimeout(deadlineTimer)
        clearTimeout(retryTimer)
        abortAttempt()
        calls.delete(interrupt)
        slots.leave(attempt)
      }
      const finish: Resume = (effect) => {
        if (done) return
        end()
        resume(effect)
      }
      const interrupt = () => finish(Effect.interrupt)

      const onAttempt = (result: Either.Either<ContainerResponse.ContainerResponse, AttemptError>) => {
        if (done) return
        if (Either.isRight(result)) {
          finish(Effect.succeed(result.right))
          // After the caller's continuation: the handshake then runs while the caller does its own work.
          setImmediate(spare.open)
          return
        }
        const error = result.left
        if (error._tag !== "Unreachable") return finish(Effect.fail(error))
        if (postOptions.reschedule) {
          return finish(Effect.fail(new Errors.ContainerHealthError({ target, reason: "Unreachable", cause: error.cause })))
        }
        if (!postOptions.retry) return finish(Effect.fail(new ConnectionFailure.ConnectionError({ target, cause: error.cause })))
        lastRefusal = error.cause
        // A pause that reaches past the deadline is cut short by the deadline's timer.
        retryTimer = setTimeout(attempt, retryMillis)
      }
      // Only a retried call (the first /init) may find nothing listening yet behind a published port.
      let listening = !(postOptions.retry && address.published)
      const onProbe = (answered: boolean, cause?: unknown) => {
        if (done) return
        if (answered) {
          listening = true
          return attempt()
        }
        lastRefusal = cause
        retryTimer = setTimeout(attempt, retryMillis)
      }
      const attempt = () => {
        abortAttempt = listening ? sendAttempt(request, onAttempt) : sendProbe(address, onProbe)
      }
      // Node timers may fire a millisecond before the clock says the time is up: a deadline must never look early.
      const wakeAtDeadline = () => {
        const left = deadline - Date.now()
        if (left > 0) {
          deadlineTimer = setTimeout(wakeAtDeadline, Math.min(left, longestTimer))
          return
        }
        finish(Effect.fail(new ConnectionFailure.Timeout({ target, timeoutMillis, cause: lastRefusal })))
      }

      calls.add(interrupt)
      wakeAtDeadline()
      if (!done) slots.enter(attempt)
      return Effect.sync(() => {
        if (!done) end()
      })
    })

  return { post, close: Effect.sync(closeNow) }
}

/**
 * A ContainerHttp whose clients are all closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = ActionHttpConfig.defaults
): Effect.Effect<ContainerHttp.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clients: OpenClients = { closers: new Set(), closed: false }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        clients.closed = true
        for (const close of clients.closers) close()
      })
    )
    return {
      open: (address, { maxConcurrent }) => Effect.sync(() => openClient(clients, address, maxConcurrent, options)),
      probe: (address, { timeout }) => TcpProbe.probe(address, timeout)
    }
  })

/**
 * The live ContainerHttp, with the retry interval of the configuration (`EFFECT_WHISK_HTTP_RETRY_INTERVAL`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ContainerHttp.ContainerHttp, never, ActionHttpConfig.ActionHttpConfig> = Layer.scoped(
  ContainerHttp.ContainerHttp,
  Effect.flatMap(ActionHttpConfig.ActionHttpConfig, make)
)

/**
 * The live ContainerHttp with explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<ContainerHttp.ContainerHttp> =>
  Layer.scoped(ContainerHttp.ContainerHttp, make(options))
