import {
  ActionHttpConfig,
  CallResult,
  ConnectionFailure,
  type Container,
  type ContainerAddress,
  ContainerConfig,
  ContainerFactory,
  ContainerHttp,
  type ContainerId,
  DockerEngine,
  Errors,
  Freezer,
  Interval,
  LogsConfig,
  LogsGate,
  Messages,
  Runc,
  Tracing,
  WhiskConfig
} from "@effect-whisk/core"
import { ActivationLogs } from "@effect-whisk/logs"
import {
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  type Fiber,
  FiberRef,
  Layer,
  LogLevel,
  Option,
  Ref,
  type Scope,
  Stream,
  SubscriptionRef,
  type Tracer
} from "effect"
import type { CreateError, CreateOptions, DockerContainer, Services, TestOptions } from "../DockerContainer.js"
import * as ActionClient from "./actionClient.js"
import { removeInBackground } from "./background.js"
import * as containerLogs from "./containerLogs.js"
import { type CreatePlan, plan as makePlan } from "./createPlan.js"
import { freeze, thaw } from "./freezing.js"
import { inCallSpan, useCallSpan } from "./callSpan.js"
import { memoryExhausted } from "./oomCheck.js"
import { encodeInitBody, encodeRunBody } from "./validation.js"

/**
 * What one container's operations share: its identity, the services captured when it was created, and where its
 * next log collection starts.
 *
 * @internal
 */
export interface ContainerContext {
  readonly id: ContainerId.ContainerId
  readonly address: ContainerAddress.ContainerAddress
  readonly image: string
  readonly useRunc: boolean
  /** The container's init process, as the engine reported it at create. */
  readonly pid: number
  /** How suspend freezes and resume thaws this container. */
  readonly freezer: Freezer.Service
  readonly engine: DockerEngine.Service
  /** The settings its logs, OOM checks and answers follow. */
  readonly config: {
    readonly logs: LogsConfig.Shape
    readonly oom: LogsConfig.Shape["oom"]
    readonly payload: ContainerConfig.Shape["payload"]
  }
  /**
   * Where the next log collection starts, whichever source the engine names (a byte offset in the json-file log, or
   * a time and the records seen at it in the engine's log stream), and the lock that serialises collections.
   */
  readonly logCursor: ActivationLogs.Cursor
  /** The kind of log source the engine named last (the json-file log until a collection says otherwise). */
  logSourceKind: Container.Capabilities["logSource"]
}

// ---------------------------------------------------------------------------------------------------------------
// create (B1–B9)
// ---------------------------------------------------------------------------------------------------------------

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

/** B7: a broken container is removed without waiting; a failed create after a failed pull is the pull's fault. */
const createAndStart = (engine: DockerEngine.Service, plan: CreatePlan, pulled: boolean) =>
  engine.createAndStart(plan.spec).pipe(
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

/** @internal */
export const create: (options: CreateOptions) => Effect.Effect<DockerContainer, CreateError, Services> = Effect.fn(
  "DockerContainer.create"
)(function*(options: CreateOptions) {
  const engine = yield* DockerEngine.DockerEngine
  const runc = yield* Runc.Runc
  const http = yield* ContainerHttp.ContainerHttp
  const containerConfig = yield* ContainerConfig.ContainerConfig
  const logsConfig = yield* LogsConfig.LogsConfig
  const { defaultMaxConcurrent } = yield* ActionHttpConfig.ActionHttpConfig
  // Without a Freezer in the context (test layers, programs built before it), runc freezes as it always did; a
  // Freezer in engine mode, or a container created with useRunc false, uses the engine's pause.
  const contextFreezer = yield* Effect.serviceOption(Freezer.Freezer)
  const plan = yield* makePlan(options, containerConfig, Option.match(contextFreezer, {
    onNone: () => true,
    onSome: (freezer) => freezer.mode !== "engine"
  }))
  const freezer = plan.useRunc
    ? Option.getOrElse(contextFreezer, () => Freezer.fromRunc(runc))
    : Freezer.fromEngine(engine)
  yield* Effect.annotateCurrentSpan({ image: plan.resolved, userProvided: plan.userProvided })
  const pulled = yield* pullImage(engine, plan)
  // From the moment the engine gave an id, only the marked steps can be interrupted, and each of them removes the
  // container when it does not succeed: whatever happens, the caller gets the container or no container exists.
  return yield* Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const id = yield* restore(createAndStart(engine, plan, pulled))
      const { address, pid } = yield* restore(engine.inspectStarted(id, plan.spec.network)).pipe(
        Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : removeInBackground(engine.remove, id)),
        Effect.mapError((cause) => provisionError(plan.resolved, cause))
      )
      const ctx: ContainerContext = {
        id,
        address,
        image: plan.resolved,
        useRunc: plan.useRunc,
        pid,
        freezer,
        engine,
        config: { logs: logsConfig, oom: logsConfig.oom, payload: containerConfig.payload },
        // Its json-file log stays open between activations, and is closed when the container is destroyed.
        logCursor: yield* ActivationLogs.makeKeepingCursor,
        logSourceKind: "JsonFile"
      }
      const client = yield* ActionClient.make(http, address, defaultMaxConcurrent)
      return yield* makeContainer(ctx, client, http)
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
            // Destroyed by its owner already.
            Effect.catchTag("ContainerDestroyed", () => Effect.void),
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

// ---------------------------------------------------------------------------------------------------------------
// /init and /run (B16–B23)
// ---------------------------------------------------------------------------------------------------------------

/**
 * One call into the container (B16, B17), its result given to `interpret`: the interval spans the post alone; a
 * broken connection is then checked against the engine's OOM state (as a child of `span`, the operation's span if one
 * was made) and becomes MemoryExhausted when the engine says so. The warm path is one clock read before and one after
 * the post, with no step of its own between, and the interpretation in the same step as the answer.
 */
const callContainer = <A, E>(
  ctx: ContainerContext,
  clock: Clock.Clock,
  client: ContainerHttp.ContainerClient,
  path: string,
  body: unknown,
  options: ContainerHttp.PostOptions,
  span: Tracer.Span | undefined,
  interpret: (result: CallResult.CallResult) => Effect.Effect<A, E>
): Effect.Effect<A, E | Errors.ContainerHealthError> => {
  const start = clock.unsafeCurrentTimeMillis()
  return Effect.matchEffect(client.post(path, body, options), {
    onSuccess: (response) =>
      interpret(CallResult.make(Interval.make(start, clock.unsafeCurrentTimeMillis()), Either.right(response))),
    onFailure: (error): Effect.Effect<A, E | Errors.ContainerHealthError> => {
      const interval = Interval.make(start, clock.unsafeCurrentTimeMillis())
      if (error._tag === "ContainerHealthError") return Effect.fail(error)
      if (error._tag !== "ConnectionError") return interpret(CallResult.make(interval, Either.left(error)))
      return Effect.flatMap(inCallSpan(memoryExhausted(ctx), span), (exhausted) =>
        interpret(CallResult.make(
          interval,
          Either.left(exhausted ? new ConnectionFailure.MemoryExhausted({ target: ctx.id }) : error)
        )))
    }
  })
}

/** The fiber's clock, read without a step of the fiber's own. */
const clockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)

/**
 * Whether the fiber's minimum log level lets debug lines through. The call path's debug lines are built only then:
 * a production program logs from Info up, and building them on every call costs as much as the rest of its steps.
 */
const debugEnabled = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal <= LogLevel.Debug.ordinal

/** A debug line logged as a child of the operation's span, as it was when the operation's span was the current one. */
const logDebugIn = (span: Tracer.Span | undefined, message: string) => inCallSpan(Effect.logDebug(message), span)

// ---------------------------------------------------------------------------------------------------------------
// The container
// ---------------------------------------------------------------------------------------------------------------

const makeContainer = (
  ctx: ContainerContext,
  client: ActionClient.ActionClient,
  http: ContainerHttp.Service
): Effect.Effect<DockerContainer> =>
  Effect.gen(function*() {
    const state = yield* SubscriptionRef.make<Container.State>("Running")
    // A freeze that was not thawed since, also one that failed or timed out (it may still have frozen the
    // container): resume then thaws even when the state says Running, and destroy thaws the container first,
    // whichever strategy froze it: a container frozen behind the engine's back (cgroup, runc) cannot be removed (B13).
    const mayBeFrozen = yield* Ref.make(false)
    // suspend, resume and destroy change the state one at a time.
    const control = yield* Effect.makeSemaphore(1)
    // With maxConcurrent 1, the next /run waits for the previous activation's log collection (per-activation
    // attribution; LogsGate has the rule).
    const gate = yield* LogsGate.make()

    // The state as last set, read synchronously on the call path; the SubscriptionRef is what `state` and the
    // stream of changes give. Set first, so that once destroy has begun no call starts.
    let current: Container.State = "Running"
    const setState = (next: Container.State) =>
      Effect.zipRight(Effect.sync(() => (current = next)), SubscriptionRef.set(state, next))

    const destroyed = (operation: Errors.ContainerDestroyed["operation"]) =>
      new Errors.ContainerDestroyed({ containerId: ctx.id, operation })
    const alive = (operation: Errors.ContainerDestroyed["operation"]) =>
      Effect.suspend(() => current === "Destroyed" ? Effect.fail(destroyed(operation)) : Effect.succeed(current))

    // The name and the container say what the span is; a stack trace per call would cost more than the rest.
    const spanOptions = { attributes: { containerId: ctx.id }, captureStackTrace: false }

    /**
     * POST /init, interpreted by CallResult.toInitialized (B22). One span per call under an installed tracer
     * (T13–T16; `useCallSpan`), made without making it the current span (providing it would cost a context update
     * per call), so the call's own steps that can have children (the OOM check, debug lines) are run under it
     * explicitly.
     */
    const initialize: DockerContainer["initialize"] = (initializer, options) =>
      useCallSpan("DockerContainer.initialize", spanOptions, (span) =>
        Effect.gen(function*() {
          yield* alive("initialize")
          const body = yield* encodeInitBody(initializer)
          const timeout = Duration.decode(options.timeout)
          const debug = yield* Effect.withFiberRuntime((fiber) => Effect.succeed(debugEnabled(fiber)))
          const clock = yield* Effect.clock
          yield* client.initialized(options.maxConcurrent)
          if (debug) yield* logDebugIn(span, `sending initialization to ${ctx.id} ${ctx.address.asString}`)
          const open = yield* client.get(options.maxConcurrent)
          const result = yield* callContainer(ctx, clock, open, "/init", body, {
            timeout,
            maxResponse: ctx.config.payload.max,
            truncation: ctx.config.payload.truncation,
            retry: true,
            reschedule: false
          }, span, Effect.succeed)
          if (debug) yield* logDebugIn(span, `initialization result: ${result.toBriefString}`)
          return yield* CallResult.toInitialized(result, timeout, ctx.id)
        }))

    /**
     * POST /run, interpreted by CallResult.toRunOutcome (B23). The body is `{"value": parameters}` merged with the
     * activation's fields, which win on a clash, encoded once (that it can be is checked before the post). The warm
     * path of every activation, so one step that does all it can synchronously, then the post: without an installed
     * tracer and debug logging, no span and no step of its own around the post; with them, its span is made as
     * initialize's is and the debug lines are logged under it.
     */
    const run: DockerContainer["run"] = (parameters, activation, options) =>
      Effect.withFiberRuntime((fiber) => {
        if (current === "Destroyed") return Effect.fail(destroyed("run"))
        const body = encodeRunBody(parameters, activation)
        if (Either.isLeft(body)) return Effect.fail(body.left)
        const timeout = Duration.decode(options.timeout)
        const clock = clockOf(fiber)
        const postOptions: ContainerHttp.PostOptions = {
          timeout,
          maxResponse: options.maxResponse ?? ctx.config.payload.max,
          truncation: options.truncation ?? ctx.config.payload.truncation,
          retry: false,
          reschedule: options.reschedule ?? false
        }
        const outcome = (result: CallResult.CallResult) => CallResult.toRunOutcome(result, timeout, ctx.id)
        const call = <A, E>(span: Tracer.Span | undefined, interpret: (result: CallResult.CallResult) => Effect.Effect<A, E>) => {
          const postTo = (open: ContainerHttp.ContainerClient) =>
            callContainer(ctx, clock, open, "/run", body.right, postOptions, span, interpret)
          const open = client.current()
          return open !== undefined ? postTo(open) : Effect.flatMap(client.get(options.maxConcurrent), postTo)
        }
        const debug = debugEnabled(fiber)
        if (!debug && !Tracing.installed(fiber)) return call(undefined, outcome)
        return useCallSpan("DockerContainer.run", spanOptions, (span) => {
          if (!debug) return call(span, outcome)
          const actionName = typeof activation["action_name"] === "string" ? activation["action_name"] : ""
          return logDebugIn(span, `sending arguments to ${actionName} at ${ctx.id} ${ctx.address.asString}`).pipe(
            Effect.zipRight(call(span, Effect.succeed)),
            Effect.tap((result) => logDebugIn(span, `running result: ${result.toBriefString}`)),
            Effect.flatMap(outcome)
          )
        })
      })

    /** B11: the client is closed before the freeze; suspending a suspended container does nothing. */
    const suspend = alive("suspend").pipe(
      Effect.flatMap((now) =>
        now === "Suspended" ? Effect.void : client.close.pipe(
          Effect.zipRight(Ref.set(mayBeFrozen, true)),
          Effect.zipRight(freeze(ctx)),
          Effect.zipRight(setState("Suspended"))
        )
      ),
      control.withPermits(1),
      Effect.withSpan("DockerContainer.suspend", spanOptions)
    )

    /** B12: a new client after the thaw; resuming a running container does nothing. */
    const thawAndReopen = thaw(ctx).pipe(
      Effect.zipRight(Ref.set(mayBeFrozen, false)),
      Effect.zipRight(client.reopen),
      Effect.zipRight(setState("Running"))
    )
    const resume: DockerContainer["resume"] = Effect.flatMap(
      Ref.get(mayBeFrozen),
      (frozen): DockerContainer["resume"] =>
        current === "Destroyed"
          ? Effect.fail(destroyed("resume"))
          : current === "Running" && !frozen
          ? Effect.void
          : thawAndReopen
    ).pipe(
      control.withPermits(1),
      Effect.withSpan("DockerContainer.resume", spanOptions)
    )

    const thawBeforeRemoval = Effect.flatMap(Ref.get(mayBeFrozen), (frozen) =>
      frozen
        ? thaw(ctx).pipe(
          Effect.tapError((error) => Effect.logWarning(`Removing ${ctx.id} while it may still be frozen: ${error.message}`)),
          Effect.ignore
        )
        : Effect.void)

    /** B13: removed with force, thawed first when it may be frozen; already gone is what destroy wants. */
    const destroy = alive("destroy").pipe(
      Effect.zipRight(client.close),
      Effect.zipRight(ActivationLogs.closeKeptFile(ctx.logCursor)),
      Effect.zipRight(thawBeforeRemoval),
      Effect.zipRight(
        ctx.engine.remove(ctx.id).pipe(Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void))
      ),
      Effect.zipRight(setState("Destroyed")),
      control.withPermits(1),
      Effect.withSpan("DockerContainer.destroy", spanOptions)
    )

    /**
     * PX10: a TCP connection to where the HTTP client reaches the action (its address on the network, or the port the
     * engine publishes), closed at once. A suspended container is probed as it is: its kernel accepts the connection.
     */
    const probe: DockerContainer["probe"] = (options) =>
      alive("probe").pipe(
        Effect.zipRight(http.probe(ctx.address, options)),
        Effect.withSpan("DockerContainer.probe", spanOptions)
      )

    const logs = containerLogs.logs(ctx)
    const logLines = containerLogs.logLines(ctx)
    return {
      id: ctx.id,
      address: ctx.address,
      image: ctx.image,
      useRunc: ctx.useRunc,
      get capabilities(): Container.Capabilities {
        return { suspend: "FreezesProcesses", logSource: ctx.logSourceKind }
      },
      state: SubscriptionRef.get(state),
      stateChanges: state.changes.pipe(Stream.takeUntil((now) => now === "Destroyed")),
      initialize,
      run: (parameters, activation, options) => gate.run(options, run(parameters, activation, options)),
      suspend,
      resume,
      destroy,
      logs: (options) => gate.collectionStream(Stream.unwrap(Effect.as(alive("logs"), logs(options)))),
      logLines: (options) => gate.collection(Effect.zipRight(alive("logs"), logLines(options))),
      probe
    }
  })

// ---------------------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const layer: Layer.Layer<ContainerFactory.ContainerFactory, never, Services> = Layer.effect(
  ContainerFactory.ContainerFactory,
  Effect.map(Effect.context<Services>(), (context): ContainerFactory.Service => ({
    create: (request) => Effect.provide(create(request), context),
    createScoped: (request) => Effect.provide(createScoped(request), context)
  }))
)

// A stopped container: a connection failure is judged at the first OOM check, not after the window.
const stopped: DockerEngine.ContainerState = { status: "exited", running: false, oomKilled: false, exitCode: 0 }

/** @internal */
export const layerTest = (options: TestOptions = {}) =>
  layer.pipe(
    Layer.provideMerge(Layer.mergeAll(
      DockerEngine.layerTest({ state: () => Effect.succeed(stopped), ...options.engine }),
      Runc.layerTest(options.runc),
      ContainerHttp.layerTest(options.respond, options.probe),
      WhiskConfig.layerWith(options.config)
    ))
  )
