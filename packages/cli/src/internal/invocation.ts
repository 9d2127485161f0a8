import { ActivationResponse, type Container, ContainerConfig, DockerEngine, EngineConfig, ImageName } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { Duration, Effect, Either, Exit, Option, Scope, Stream } from "effect"
import { RuntimeImage } from "../RuntimeImage.js"
import { ActivationContext } from "@effect-whisk/pool"
import * as ActivationLogs from "./activationLogs.js"
import type { InvokeRequest } from "./invokeRequest.js"
import { buildRenderer, type Progress, pullRenderer } from "./progress.js"
import type { ActivationReport, ActivationTimings, InvocationReport, Millis } from "./report.js"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const toMillis = (duration: Duration.Duration): Millis => Math.round(Duration.toMillis(duration) * 100) / 100

/** Runs an effect, giving how long it took (on the Clock) and its outcome. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [Millis, Either.Either<A, E>], never, R> =>
  Effect.map(Effect.timed(Effect.either(effect)), ([duration, outcome]) => [toMillis(duration), outcome] as const)

const ms = (millis: Millis) => `${millis.toFixed(1)} ms`

const detail = (error: { readonly message: string; readonly detail?: string }) => error.detail ?? error.message

/** The project's runtime image unless --image names one; the runtime image is built first when missing. */
const chooseImage = (request: InvokeRequest, progress: Progress) =>
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

const shortId = (id: string) => id.slice(0, 12)

const initializer = (request: InvokeRequest, context: ActivationContext.ActivationContext) => {
  const action = Option.getOrUndefined(request.action)
  return {
    name: action?.name ?? "action",
    binary: action?.binary ?? false,
    main: request.main,
    ...(action === undefined ? {} : { code: action.code }),
    env: ActivationContext.initEnvironment(context)
  }
}

const actionName = (request: InvokeRequest) => Option.match(request.action, { onNone: () => "action", onSome: ({ name }) => name })

/** A container that answered like this cannot take another activation: OpenWhisk destroys it. */
const reusable = (response: ActivationResponse.ActivationResponse) => response.isSuccess || response.isApplicationError

const collectLogs = (
  container: Container.Container,
  request: InvokeRequest,
  response: ActivationResponse.ActivationResponse,
  progress: Progress
) =>
  Effect.gen(function*() {
    const [took, outcome] = yield* timed(ActivationLogs.collect(container, {
      limit: request.logLimit,
      sentinels: !request.blackbox,
      developerError: response.isContainerError
    }))
    const logs = Either.getOrThrow(outcome)
    if (logs.problem !== undefined) progress.step(`the logs of container ${shortId(container.id)} could not be read: ${logs.problem}`)
    return [took, logs.lines] as const
  })

const activate = (
  container: Container.Container,
  request: InvokeRequest,
  context: ActivationContext.ActivationContext,
  timings: Mutable<ActivationTimings>,
  progress: Progress
) =>
  Effect.gen(function*() {
    const [took, ran] = yield* timed(
      container.run(request.params, ActivationContext.runFields(context), {
        timeout: request.timeout,
        maxConcurrent: 1,
        maxResponse: request.maxResponse
      })
    )
    timings.run = took
    if (Either.isLeft(ran)) {
      return { response: ActivationResponse.whiskError(ran.left.message), logs: [], timings }
    }
    const response = ran.right.response
    const [logsTook, logs] = yield* collectLogs(container, request, response, progress)
    timings.logs = logsTook
    return { response, logs, timings }
  })

const steps = (
  request: InvokeRequest,
  image: string,
  scope: Scope.CloseableScope,
  progress: Progress,
  onCreated: (id: string) => void
) =>
  Effect.gen(function*() {
    const timings: Mutable<InvocationReport["timings"]> = {}
    const activations: Array<ActivationReport> = []
    const report = (container: InvocationReport["container"], error?: string): InvocationReport => ({
      container,
      timings,
      activations,
      kept: request.keep && container.id !== null,
      ...(error === undefined ? {} : { error })
    })

    progress.status(`creating a container of ${image}`)
    // Docker's own create: --network is a Docker setting; everything after it uses only the Container contract.
    const [createTook, created] = yield* timed(
      DockerContainer.createScoped({
        image,
        userProvided: request.blackbox,
        memory: request.memory,
        environment: request.environment,
        ...Option.match(request.network, { onNone: () => ({}), onSome: (network) => ({ network }) })
      }).pipe(Scope.extend(scope))
    )
    timings.create = createTook
    if (Either.isLeft(created)) {
      progress.step(`no container of ${image} could be created: ${detail(created.left)}`)
      activations.push({ response: ActivationResponse.fromStartupError(created.left), logs: [], timings: {} })
      return report({ id: null, image })
    }
    const container = created.right
    onCreated(container.id)
    const described = { id: container.id, image: container.image, address: container.address.asString }

    const first = yield* ActivationContext.make(actionName(request), request.timeout)
    progress.status(`initializing container ${shortId(container.id)}`)
    const [initTook, initialized] = yield* timed(
      container.initialize(initializer(request, first), { timeout: request.timeout, maxConcurrent: 1 })
    )
    timings.init = initTook
    if (Either.isLeft(initialized)) {
      const failure = initialized.left
      if (failure._tag === "InitializationError") {
        const [logsTook, logs] = yield* collectLogs(container, request, failure.response, progress)
        activations.push({ response: failure.response, logs, timings: { logs: logsTook } })
      } else {
        activations.push({ response: ActivationResponse.whiskError(failure.message), logs: [], timings: {} })
      }
    }

    let error: string | undefined
    let suspended = false
    for (let index = 0; Either.isRight(initialized) && index < request.repeat; index++) {
      const activationTimings: Mutable<ActivationTimings> = {}
      if (suspended) {
        const [took, resumed] = yield* timed(container.resume)
        activationTimings.resume = took
        if (Either.isLeft(resumed)) {
          error = `Resuming container ${container.id} failed: ${resumed.left.message}`
          break
        }
        suspended = false
      }
      const context = index === 0 ? first : yield* ActivationContext.make(actionName(request), request.timeout)
      progress.status(`activation ${index + 1}/${request.repeat} in container ${shortId(container.id)}`)
      const activation = yield* activate(container, request, context, activationTimings, progress)
      activations.push(activation)
      const last = index === request.repeat - 1
      if (!reusable(activation.response)) {
        if (!last) progress.step(`stopped after activation ${index + 1}: a container that ended in "${activation.response.status}" is not reused`)
        break
      }
      if (!last && request.suspend) {
        const [took, paused] = yield* timed(container.suspend)
        activationTimings.suspend = took
        if (Either.isLeft(paused)) {
          error = `Suspending container ${container.id} failed: ${paused.left.message}`
          break
        }
        suspended = true
      }
    }

    if (!request.keep) {
      progress.status(`removing container ${shortId(container.id)}`)
      const [took] = yield* timed(Scope.close(scope, Exit.void))
      timings.destroy = took
    }
    progress.clear()
    return report(described, error)
  })

/**
 * Runs an action end to end: image, create, /init, /run (repeated, suspending in between), logs, destroy. Whatever
 * an activation ends with is in the report; an interruption (Ctrl-C) removes the container, also with --keep.
 */
export const invoke = (
  request: InvokeRequest,
  progress: Progress
): Effect.Effect<InvocationReport, never, DockerContainer.Services | EngineConfig.EngineConfig | RuntimeImage> =>
  Effect.gen(function*() {
    const chosen = yield* chooseImage(request, progress)
    if (Either.isLeft(chosen)) {
      const runtime = yield* RuntimeImage
      return { container: { id: null, image: runtime.image }, timings: {}, activations: [], error: chosen.left, kept: false }
    }
    const image = chosen.right
    if (request.blackbox) yield* pullWithProgress(image, progress)
    let created: string | undefined
    return yield* Effect.acquireUseRelease(
      Scope.make(),
      (scope) => steps(request, image, scope, progress, (id) => (created = id)),
      (scope, exit) =>
        request.keep && Exit.isSuccess(exit)
          ? Effect.void
          : Scope.close(scope, exit).pipe(
            Effect.zipRight(Effect.sync(() => {
              if (!Exit.isInterrupted(exit)) return
              progress.step(
                created === undefined
                  ? "interrupted before a container was created"
                  : `interrupted: container ${created} was removed`
              )
            }))
          )
    )
  })
