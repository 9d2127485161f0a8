import { type ActivationResponse, ByteSize, type Container, ContainerConfig, ContainerFactory, DockerEngine, EngineConfig, ImageName } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { type Action, ContainerPool } from "@effect-whisk/pool"
import { Duration, Effect, Either, Exit, Option, Scope, Stream } from "effect"
import { RuntimeImage } from "../RuntimeImage.js"
import type { ActionRequest, InvokeRequest } from "./invokeRequest.js"
import { buildRenderer, type Progress, pullRenderer } from "./progress.js"
import { type ActivationReport, activationTimings, type InvocationReport, type Millis, ms, startKind } from "./report.js"

const toMillis = (duration: Duration.Duration): Millis => Math.round(Duration.toMillis(duration) * 100) / 100

/** Runs an effect, giving how long it took (on the Clock) and its outcome. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [Millis, Either.Either<A, E>], never, R> =>
  Effect.map(Effect.timed(Effect.either(effect)), ([duration, outcome]) => [toMillis(duration), outcome] as const)

/** The project's runtime image unless --image names one; the runtime image is built first when missing. */
const chooseImage = (request: ActionRequest, progress: Progress) =>
  Option.match(request.image, {
    onSome: (image) => Effect.succeed(Either.right<string>(image)),
    onNone: () =>
      Effect.gen(function*() {
        const runtime = yield* RuntimeImage
        progress.status(`checking the runtime image ${runtime.image}`)
        const [took, outcome] = yield* timed(
          runtime.ensure({ force: false, onProgress: buildRenderer(progress, runtime.image) })
        )
        progress.clear()
        if (Either.isRight(outcome) && outcome.right.built) progress.step(`built ${outcome.right.image} in ${ms(took)}`)
        return Either.map(outcome, ({ image }) => image).pipe(
          Either.mapLeft((error) => `The runtime image ${runtime.image} could not be built: ${error.message}`)
        )
      })
  })

/**
 * Pulls a blackbox image up front to show the pull's progress; the create then applies the pull rules of B6 (a
 * failure here is only reported, the create decides what it means).
 */
const pullWithProgress = (image: string, progress: Progress) =>
  Effect.gen(function*() {
    const parsed = ImageName.parse(image)
    if (Either.isLeft(parsed)) return
    const engine = yield* DockerEngine.DockerEngine
    const { registry } = yield* ContainerConfig.ContainerConfig
    const { timeouts } = yield* EngineConfig.EngineConfig
    const reference = parsed.right.resolve(registry.userImages)
    const render = pullRenderer(progress, reference)
    progress.status(`pulling ${reference}`)
    const [took, outcome] = yield* timed(
      engine.pull(reference).pipe(
        Stream.runForEach((event) => Effect.sync(() => render(event))),
        Effect.timeoutFail({
          duration: timeouts.pull,
          onTimeout: () => new Error(`no answer within ${Duration.format(timeouts.pull)}`)
        })
      )
    )
    progress.clear()
    progress.step(
      Either.isRight(outcome)
        ? `pulled ${reference} in ${ms(took)}`
        : `pulling ${reference} failed: ${outcome.left.message}`
    )
  })

/** The image to run (built or pulled first, with progress), or why there is none. */
export const prepareImage = (request: ActionRequest, progress: Progress) =>
  Effect.gen(function*() {
    const chosen = yield* chooseImage(request, progress)
    if (Either.isRight(chosen) && request.blackbox) yield* pullWithProgress(chosen.right, progress)
    return chosen
  })

/** The action as the pool runs it; `name` tells copies of one action apart (each has its own containers). */
export const poolAction = (request: ActionRequest, image: string, name?: string): Action.Action => {
  const source = Option.getOrUndefined(request.action)
  return {
    name: name ?? source?.name ?? "action",
    image,
    blackbox: request.blackbox,
    ...(source === undefined ? {} : { code: source.code, binary: source.binary }),
    main: request.main,
    environment: request.environment,
    memory: request.memory,
    timeout: request.timeout,
    logLimit: request.logLimit,
    maxResponse: request.maxResponse
  }
}

/**
 * The pool's factory: the context's (Docker's, configured by `EFFECT_WHISK_NETWORK`), or Docker containers on the
 * network --network names. A failed create is told to `onCreateError` with its detail (the activation's record keeps
 * only OpenWhisk's generic message).
 */
const factory = (request: ActionRequest, onCreateError: (detail: string) => void) =>
  Effect.gen(function*() {
    const base = yield* Option.match(request.network, {
      onNone: () => ContainerFactory.ContainerFactory,
      onSome: (network) =>
        Effect.map(
          Effect.context<DockerContainer.Services>(),
          (context) =>
            ContainerFactory.make((create) => DockerContainer.create({ ...create, network }).pipe(Effect.provide(context)))
        )
    })
    const told = <R>(created: Effect.Effect<Container.Container, ContainerFactory.CreateError, R>) =>
      Effect.tapError(created, (error) =>
        Effect.sync(() => onCreateError("detail" in error && typeof error.detail === "string" ? error.detail : error.message)))
    return {
      create: (create) => told(base.create(create)),
      createScoped: (create) => told(base.createScoped(create))
    } satisfies ContainerFactory.Service
  })

/**
 * A pool over `factory` in `scope`, with room for at least one container of `memory`. The options were checked as the
 * command line was read; a PoolConfigError left is told as the run's error.
 */
export const makePool = (
  request: ActionRequest,
  scope: Scope.Scope,
  config: Partial<ContainerPool.Config>,
  onCreateError: (detail: string) => void
) =>
  Effect.gen(function*() {
    const userMemory = config.userMemory ?? ContainerPool.defaults.userMemory
    const pool = ContainerPool.make({
      ...config,
      userMemory: ByteSize.bytes(Math.max(userMemory.bytes, request.memory.bytes))
    })
    return yield* pool.pipe(Effect.provideService(ContainerFactory.ContainerFactory, yield* factory(request, onCreateError)), Scope.extend(scope))
  })

export type Requirements =
  | ContainerFactory.ContainerFactory
  | DockerContainer.Services
  | EngineConfig.EngineConfig
  | RuntimeImage

/**
 * Closes the pool's scope after `use`, timed, which removes every container it made, also on an interruption
 * (Ctrl-C), which is then said on stderr.
 */
export const withPoolScope = <A, E, R>(
  progress: Progress,
  use: (scope: Scope.Scope) => Effect.Effect<A, E, R>
): Effect.Effect<readonly [A, Millis], E, R> =>
  Effect.acquireUseRelease(
    Scope.make(),
    (scope) =>
      Effect.flatMap(use(scope), (result) =>
        Effect.gen(function*() {
          progress.status("removing the containers")
          const [took] = yield* timed(Scope.close(scope, Exit.void))
          progress.clear()
          return [result, took] as const
        })),
    (scope, exit) =>
      Scope.close(scope, exit).pipe(
        Effect.zipRight(Effect.sync(() => {
          if (Exit.isInterrupted(exit)) progress.step("interrupted: every container of the run was removed")
        }))
      )
  )

/** A container that answered like this cannot take another activation: the pool destroys it. */
const reusable = (response: ActivationResponse.ActivationResponse) => response.isSuccess || response.isApplicationError

export const reportOf = (activation: ContainerPool.Activation): ActivationReport => ({
  start: startKind(activation.start),
  ...(activation.containerId === undefined ? {} : { containerId: activation.containerId }),
  response: activation.response,
  logs: activation.logs,
  timings: activationTimings(activation.timings)
})

/**
 * Runs an action through a pool: image, then `repeat` activations one after the other (the first one starts a
 * container, the next ones find it warm), then the pool's scope closes and removes every container. Whatever an
 * activation ends with is in the report; an interruption (Ctrl-C) removes the containers too.
 */
export const invoke = (
  request: InvokeRequest,
  progress: Progress
): Effect.Effect<InvocationReport, never, Requirements> =>
  Effect.gen(function*() {
    const chosen = yield* prepareImage(request, progress)
    if (Either.isLeft(chosen)) {
      const runtime = yield* RuntimeImage
      return { container: { id: null, image: runtime.image }, timings: {}, activations: [], error: chosen.left }
    }
    const image = chosen.right
    const action = poolAction(request, image)
    const [[activations, error], destroy] = yield* withPoolScope(progress, (scope) =>
      Effect.gen(function*() {
        let createError = ""
        const activations: Array<ActivationReport> = []
        const made = yield* Effect.either(
          makePool(request, scope, { pauseGrace: request.pauseGrace }, (detail) => (createError = detail))
        )
        if (Either.isLeft(made)) return [activations, made.left.message] as const
        const pool = made.right
        for (let index = 0; index < request.repeat; index++) {
          progress.status(`activation ${index + 1}/${request.repeat} of ${action.name}`)
          const outcome = yield* Effect.either(pool.invoke(action, request.params))
          if (Either.isLeft(outcome)) return [activations, outcome.left.message] as const
          const activation = outcome.right
          activations.push(reportOf(activation))
          if (activation.containerId === undefined) {
            progress.step(`no container of ${image} could be created: ${createError}`)
          }
          if (!reusable(activation.response)) {
            if (index < request.repeat - 1) {
              progress.step(
                `stopped after activation ${index + 1}: a container that ended in "${activation.response.status}" is not reused`
              )
            }
            break
          }
        }
        return [activations, undefined] as const
      }))
    const first = activations.find((activation) => activation.containerId !== undefined)
    return {
      container: { id: first?.containerId ?? null, image },
      timings: { destroy },
      activations,
      ...(error === undefined ? {} : { error })
    }
  })
