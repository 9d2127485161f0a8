import {
  type ContainerAddress,
  ContainerHttp,
  type ContainerId,
  DockerEngine,
  Errors,
  Freezer,
  Messages,
  Runc,
  WhiskConfig
} from "@effect-whisk/core"
import { Effect, Exit, Option, Ref, type Scope, Stream, SynchronizedRef } from "effect"
import type { CreateError, CreateOptions, DockerContainer, Services } from "../DockerContainer.js"
import { removeInBackground } from "./background.js"
import * as calls from "./calls.js"
import * as containerControl from "./containerControl.js"
import * as containerLogs from "./containerLogs.js"
import { type CreatePlan, plan as makePlan } from "./createPlan.js"
import type { ContainerContext } from "./state.js"

/**
 * B6: a user image without a tag or with `latest` must be pulled; a user image with another tag is pulled best
 * effort (it may exist locally); a platform image is never pulled. Gives whether the image is known to be there.
 */
const pullImage = (engine: DockerEngine.Service, plan: CreatePlan): Effect.Effect<boolean, Errors.BlackboxStartupError> => {
  if (!plan.userProvided) return Effect.succeed(true)
  const pull = Stream.runDrain(engine.pull(plan.resolved))
  return plan.image.isLatest
    ? pull.pipe(
      Effect.as(true),
      Effect.mapError((cause) =>
        new Errors.BlackboxStartupError({ message: Messages.imagePullError(plan.resolved), image: plan.resolved, cause })
      )
    )
    : pull.pipe(
      Effect.as(true),
      Effect.catchAll((error) =>
        Effect.as(Effect.logWarning(`Pulling ${plan.resolved} failed; trying the local image: ${error.message}`), false)
      )
    )
}

const provisionError = (image: string, cause: unknown) =>
  new Errors.WhiskContainerStartupError({ message: Messages.resourceProvisionError, image, cause })

/** B7: a broken container is removed without waiting; a failed run after a failed pull is the pull's fault. */
const runContainer = (engine: DockerEngine.Service, plan: CreatePlan, pulled: boolean) =>
  engine.run(plan.runOptions).pipe(
    Effect.catchTags({
      BrokenContainer: (broken) =>
        Effect.zipRight(
          removeInBackground(engine.remove, broken.containerId),
          Effect.fail(
            broken.exitStatus === 127
              ? new Errors.BlackboxStartupError({
                message: Messages.commandNotFoundInImage(plan.resolved),
                image: plan.resolved,
                cause: broken
              })
              : provisionError(plan.resolved, broken)
          )
        ),
      DockerEngineError: (error) =>
        Effect.fail(
          pulled
            ? provisionError(plan.resolved, error)
            : new Errors.BlackboxStartupError({
              message: Messages.imagePullError(plan.resolved),
              image: plan.resolved,
              cause: error
            })
        )
    })
  )

const makeContainer = (
  services: {
    readonly engine: DockerEngine.Service
    readonly runc: Runc.Service
    readonly http: ContainerHttp.Service
    readonly config: WhiskConfig.Shape
  },
  plan: CreatePlan,
  id: ContainerId.ContainerId,
  address: ContainerAddress.ContainerAddress,
  freezer: Freezer.Service,
  pid: number
): Effect.Effect<DockerContainer> =>
  Effect.gen(function*() {
    const ctx: ContainerContext = {
      id,
      address,
      image: plan.resolved,
      useRunc: plan.useRunc,
      ...services,
      client: yield* SynchronizedRef.make(Option.none<ContainerHttp.ContainerClient>()),
      clientSettings: yield* Ref.make({
        timeout: services.config.http.defaultTimeout,
        maxConcurrent: services.config.http.defaultMaxConcurrent
      }),
      logsLock: yield* Effect.makeSemaphore(1),
      logOffset: yield* Ref.make(0)
    }
    const control = yield* containerControl.make(ctx, freezer, { id, pid })
    return {
      id,
      address,
      image: plan.resolved,
      useRunc: plan.useRunc,
      ...control,
      initialize: calls.initialize(ctx),
      run: calls.run(ctx),
      logs: containerLogs.logs(ctx),
      logLines: containerLogs.logLines(ctx)
    }
  })

/** @internal */
export const create: (options: CreateOptions) => Effect.Effect<DockerContainer, CreateError, Services> = Effect.fn(
  "DockerContainer.create"
)(function*(options: CreateOptions) {
  const engine = yield* DockerEngine.DockerEngine
  const services = {
    engine,
    runc: yield* Runc.Runc,
    http: yield* ContainerHttp.ContainerHttp,
    config: yield* WhiskConfig.WhiskConfig
  }
  const plan = yield* makePlan(options, services.config)
  // Without a Freezer in the context (test layers, programs built before it), runc freezes as it always did; a
  // container created with useRunc false always uses the engine's pause.
  const freezer = plan.useRunc
    ? Option.getOrElse(yield* Effect.serviceOption(Freezer.Freezer), () => Freezer.fromRunc(services.runc))
    : Freezer.fromEngine(engine)
  yield* Effect.annotateCurrentSpan({ image: plan.resolved, userProvided: plan.userProvided })
  const pulled = yield* pullImage(engine, plan)
  // From the moment the engine gave an id, only the marked steps can be interrupted, and each of them removes the
  // container when it does not succeed: whatever happens, the caller gets the container or no container exists.
  return yield* Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const id = yield* restore(runContainer(engine, plan, pulled))
      const started = yield* restore(engine.inspectStarted(id, plan.runOptions.network)).pipe(
        Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : removeInBackground(engine.remove, id)),
        Effect.mapError((cause) => provisionError(plan.resolved, cause))
      )
      return yield* makeContainer(services, plan, id, started.address, freezer, started.pid)
    })
  )
})

/** @internal */
export const createScoped: (
  options: CreateOptions
) => Effect.Effect<DockerContainer, CreateError, Services | Scope.Scope> = Effect.fn("DockerContainer.createScoped")(
  function*(options: CreateOptions) {
    const engine = yield* DockerEngine.DockerEngine
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.tap(restore(create(options)), (container) =>
        Effect.addFinalizer(() =>
          container.destroy.pipe(
            // A failed destroy is not the end: the removal goes on in the background.
            Effect.catchAll((error) =>
              Effect.zipRight(
                Effect.logWarning(`Could not destroy ${container.id}, retrying in the background: ${error.message}`),
                removeInBackground(engine.remove, container.id)
              )
            )
          )
        ))
    )
  }
)
