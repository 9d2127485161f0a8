import { ActivationResponse, ConnectionFailure, Errors, Interval, Messages, RunResult } from "@effect-whisk/core"
import type { ContainerHttp, ContainerResponse } from "@effect-whisk/core"
import { Clock, Duration, Effect, Either, Option, Ref, SynchronizedRef } from "effect"
import type { DockerContainer, InitializeOptions, RunOptions } from "../DockerContainer.js"
import { memoryExhausted } from "./oomCheck.js"
import type { ContainerContext } from "./state.js"
import { checkEncodable, checkRunBody } from "./validation.js"

/**
 * The container's client, opened on first use. The SynchronizedRef serialises the open, so concurrent first calls
 * share one client (the original could open two and leak one).
 *
 * @internal
 */
export const clientOf = (
  ctx: ContainerContext,
  maxConcurrent: number
): Effect.Effect<ContainerHttp.ContainerClient> =>
  // Reading first spares every call but the first the SynchronizedRef's lock.
  Effect.flatMap(Ref.get(ctx.client), (current) =>
    Option.isSome(current)
      ? Effect.succeed(current.value)
      : SynchronizedRef.modifyEffect(ctx.client, (latest) =>
        Option.match(latest, {
          onSome: (client) => Effect.succeed([client, latest] as const),
          onNone: () =>
            Effect.map(ctx.http.open(ctx.address, { maxConcurrent }), (client) => [client, Option.some(client)] as const)
        })))

const asResponse = (
  post: Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError>
): Effect.Effect<Either.Either<ContainerResponse.ContainerResponse, ConnectionFailure.ConnectionFailure>, Errors.ContainerHealthError> =>
  post.pipe(
    Effect.map(Either.right),
    Effect.catchIf(
      (error): error is Exclude<ContainerHttp.PostError, Errors.ContainerHealthError> => error._tag !== "ContainerHealthError",
      (failure) => Effect.succeed(Either.left(failure))
    )
  )

/**
 * One call into the container (B16, B17): the interval spans the post alone; a broken connection is then checked
 * against the engine's OOM state and becomes MemoryExhausted when the engine says so.
 *
 * @internal
 */
export const callContainer = (
  ctx: ContainerContext,
  path: string,
  body: unknown,
  options: ContainerHttp.PostOptions,
  maxConcurrent: number
): Effect.Effect<RunResult.RunResult, Errors.ContainerHealthError> =>
  Effect.gen(function*() {
    const client = yield* clientOf(ctx, maxConcurrent)
    const start = yield* Clock.currentTimeMillis
    const response = yield* asResponse(client.post(path, body, options))
    const end = yield* Clock.currentTimeMillis
    const checked = Either.isLeft(response) && response.left._tag === "ConnectionError"
      ? (yield* memoryExhausted(ctx))
        ? Either.left(new ConnectionFailure.MemoryExhausted({ target: ctx.id }))
        : response
      : response
    return RunResult.make(Interval.make(start, end), checked)
  })

/** B21: a 503 answer means the runtime is shutting down; the job goes to another container. */
const failIfShuttingDown = (ctx: ContainerContext, result: RunResult.RunResult) =>
  Either.isRight(result.response) && result.response.right.shuttingDown
    ? Effect.fail(new Errors.ContainerHealthError({ target: ctx.id, reason: "ShuttingDown" }))
    : Effect.void

const timeoutMillisOf = (timeout: Duration.Duration): number => Math.floor(Duration.toMillis(timeout))

const exceeded = (interval: Interval.Interval, timeout: Duration.Duration): boolean =>
  Duration.greaterThanOrEqualTo(interval.duration, timeout)

/**
 * POST /init (B22): 503 first, then an OK answer wins even when late, then the timeout, then the content.
 *
 * @internal
 */
export const initialize = (ctx: ContainerContext): DockerContainer["initialize"] =>
  Effect.fn("DockerContainer.initialize")(function*(initializer: unknown, options: InitializeOptions) {
    const timeout = Duration.decode(options.timeout)
    yield* checkEncodable("initializer", initializer)
    yield* Ref.set(ctx.clientSettings, { timeout, maxConcurrent: options.maxConcurrent })
    yield* Effect.logDebug(`sending initialization to ${ctx.id} ${ctx.address.asString}`)
    const result = yield* callContainer(ctx, "/init", { value: initializer }, {
      timeout,
      maxResponse: ctx.config.payload.max,
      truncation: ctx.config.payload.truncation,
      retry: true,
      reschedule: false
    }, options.maxConcurrent)
    yield* Effect.logDebug(`initialization result: ${result.toBriefString}`)
    yield* failIfShuttingDown(ctx, result)
    if (result.ok) return result.interval
    return yield* new Errors.InitializationError({
      interval: result.interval,
      response: exceeded(result.interval, timeout)
        ? ActivationResponse.developerError(Messages.timedoutActivation(timeoutMillisOf(timeout), true))
        : ActivationResponse.processInitResponseContent(result.response)
    })
  })

/**
 * POST /run (B23): 503 first, then the timeout (even over an OK answer), then the content. The body is
 * `{"value": parameters}` merged with the environment fields, which win on a clash.
 *
 * @internal
 */
export const run = (ctx: ContainerContext): DockerContainer["run"] =>
  Effect.fn("DockerContainer.run")(function*(
    parameters: unknown,
    environment: Readonly<Record<string, unknown>>,
    options: RunOptions
  ) {
    yield* checkRunBody(parameters, environment)
    const timeout = Duration.decode(options.timeout)
    const actionName = typeof environment["action_name"] === "string" ? environment["action_name"] : ""
    yield* Effect.logDebug(`sending arguments to ${actionName} at ${ctx.id} ${ctx.address.asString}`)
    const result = yield* callContainer(ctx, "/run", { value: parameters, ...environment }, {
      timeout,
      maxResponse: options.maxResponse ?? ctx.config.payload.max,
      truncation: options.truncation ?? ctx.config.payload.truncation,
      retry: false,
      reschedule: options.reschedule ?? false
    }, options.maxConcurrent)
    yield* Effect.logDebug(`running result: ${result.toBriefString}`)
    yield* failIfShuttingDown(ctx, result)
    return {
      interval: result.interval,
      response: exceeded(result.interval, timeout)
        ? ActivationResponse.developerError(Messages.timedoutActivation(timeoutMillisOf(timeout), false))
        : ActivationResponse.processRunResponseContent(result.response)
    }
  })
