import { CallResult, ConnectionFailure, type Errors, Interval } from "@effect-whisk/core"
import type { ContainerHttp, ContainerResponse } from "@effect-whisk/core"
import { Clock, Duration, Effect, Either, Option, Ref, SynchronizedRef } from "effect"
import type { DockerContainer, InitializeOptions, RunOptions } from "../DockerContainer.js"
import { alive } from "./containerControl.js"
import { memoryExhausted } from "./oomCheck.js"
import type { ContainerContext } from "./state.js"

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
): Effect.Effect<CallResult.CallResult, Errors.ContainerHealthError> =>
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
    return CallResult.make(Interval.make(start, end), checked)
  })

/**
 * POST /init, interpreted by CallResult.toInitialized (B22).
 *
 * @internal
 */
export const initialize = (ctx: ContainerContext): DockerContainer["initialize"] =>
  Effect.fn("DockerContainer.initialize")(function*(initializer: unknown, options: InitializeOptions) {
    yield* alive(ctx, "initialize")
    const timeout = Duration.decode(options.timeout)
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
    return yield* CallResult.toInitialized(result, timeout, ctx.id)
  })

/**
 * POST /run, interpreted by CallResult.toRunOutcome (B23). The body is
 * `{"value": parameters}` merged with the activation's fields, which win on a clash.
 *
 * @internal
 */
export const run = (ctx: ContainerContext): DockerContainer["run"] =>
  Effect.fn("DockerContainer.run")(function*(
    parameters: unknown,
    activation: Readonly<Record<string, unknown>>,
    options: RunOptions
  ) {
    yield* alive(ctx, "run")
    const timeout = Duration.decode(options.timeout)
    const actionName = typeof activation["action_name"] === "string" ? activation["action_name"] : ""
    yield* Effect.logDebug(`sending arguments to ${actionName} at ${ctx.id} ${ctx.address.asString}`)
    const result = yield* callContainer(ctx, "/run", { value: parameters, ...activation }, {
      timeout,
      maxResponse: options.maxResponse ?? ctx.config.payload.max,
      truncation: options.truncation ?? ctx.config.payload.truncation,
      retry: false,
      reschedule: options.reschedule ?? false
    }, options.maxConcurrent)
    yield* Effect.logDebug(`running result: ${result.toBriefString}`)
    return yield* CallResult.toRunOutcome(result, timeout, ctx.id)
  })
