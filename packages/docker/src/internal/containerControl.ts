import { Errors } from "@effect-whisk/core"
import type { Container } from "@effect-whisk/core"
import { Effect, Option, Ref, SubscriptionRef, SynchronizedRef } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./state.js"

type Control = Pick<DockerContainer, "suspend" | "resume" | "destroy">

const closeClient = (ctx: ContainerContext) =>
  SynchronizedRef.updateEffect(ctx.client, (current) =>
    Option.match(current, {
      onNone: () => Effect.succeed(Option.none()),
      onSome: (client) => Effect.as(client.close, Option.none())
    }))

const openClient = (ctx: ContainerContext) =>
  Effect.flatMap(Ref.get(ctx.clientSettings), (settings) =>
    SynchronizedRef.updateEffect(ctx.client, (current) =>
      Effect.zipRight(
        Option.match(current, { onNone: () => Effect.void, onSome: (client) => client.close }),
        Effect.map(ctx.http.open(ctx.address, { maxConcurrent: settings.maxConcurrent }), Option.some)
      )))

/**
 * The container's state, failing with ContainerDestroyed once it was destroyed.
 *
 * @internal
 */
export const alive = (
  ctx: ContainerContext,
  operation: Errors.ContainerDestroyed["operation"]
): Effect.Effect<Container.State, Errors.ContainerDestroyed> =>
  Effect.flatMap(SubscriptionRef.get(ctx.state), (state) =>
    state === "Destroyed"
      ? Effect.fail(new Errors.ContainerDestroyed({ containerId: ctx.id, operation }))
      : Effect.succeed(state))

/**
 * suspend, resume and destroy of one container (B11–B13), one at a time. `mayBeFrozen` remembers a freeze that was
 * not thawed since (also one that failed or timed out: it may still have frozen the container): then resume thaws
 * even when the state says Running, and destroy thaws a runc-frozen container first, which the engine does not know
 * about.
 *
 * @internal
 */
export const make = (ctx: ContainerContext): Effect.Effect<Control> =>
  Effect.gen(function*() {
    const mayBeFrozen = yield* Ref.make(false)
    const oneAtATime = yield* Effect.makeSemaphore(1)
    // Marked before the pause: a pause that failed or timed out may still have frozen the container.
    const pause: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> = ctx.useRunc
      ? ctx.runc.pause(ctx.id)
      : ctx.engine.pause(ctx.id)
    const unpause: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> = ctx.useRunc
      ? ctx.runc.resume(ctx.id)
      : ctx.engine.unpause(ctx.id)
    const freeze = Effect.zipRight(Ref.set(mayBeFrozen, true), pause)
    const thaw = Effect.zipRight(unpause, Ref.set(mayBeFrozen, false))

    // The name and the container say what the span is; a stack trace per call would cost more than the rest.
    const spanOptions = { attributes: { containerId: ctx.id }, captureStackTrace: false }
    const suspend = alive(ctx, "suspend").pipe(
      Effect.flatMap((state) =>
        state === "Suspended"
          ? Effect.void
          : closeClient(ctx).pipe(Effect.zipRight(freeze), Effect.zipRight(SubscriptionRef.set(ctx.state, "Suspended")))
      ),
      oneAtATime.withPermits(1),
      Effect.withSpan("DockerContainer.suspend", spanOptions)
    )
    const resume = Effect.all([alive(ctx, "resume"), Ref.get(mayBeFrozen)]).pipe(
      Effect.flatMap(([state, frozen]) =>
        state === "Running" && !frozen
          ? Effect.void
          : thaw.pipe(Effect.zipRight(openClient(ctx)), Effect.zipRight(SubscriptionRef.set(ctx.state, "Running")))
      ),
      oneAtATime.withPermits(1),
      Effect.withSpan("DockerContainer.resume", spanOptions)
    )
    const thawBeforeRemoval = Effect.flatMap(Ref.get(mayBeFrozen), (frozen) =>
      frozen && ctx.useRunc
        ? ctx.runc.resume(ctx.id).pipe(
          Effect.tapError((error) => Effect.logWarning(`Removing ${ctx.id} while it may still be frozen: ${error.message}`)),
          Effect.ignore
        )
        : Effect.void)
    const destroy = alive(ctx, "destroy").pipe(
      Effect.zipRight(closeClient(ctx)),
      Effect.zipRight(thawBeforeRemoval),
      Effect.zipRight(
        ctx.engine.remove(ctx.id).pipe(
          // Already gone is what destroy wants.
          Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void)
        )
      ),
      Effect.zipRight(SubscriptionRef.set(ctx.state, "Destroyed")),
      oneAtATime.withPermits(1),
      Effect.withSpan("DockerContainer.destroy", spanOptions)
    )
    return { suspend, resume, destroy }
  })
