import type { Errors } from "@effect-whisk/core"
import { Effect, Option, Ref, SynchronizedRef } from "effect"
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
 * suspend, resume and destroy of one container (B11–B13). `mayBeFrozen` remembers a runc pause that was not
 * resumed since: the engine does not know about it, and a frozen container must be thawed before it is removed.
 *
 * @internal
 */
export const make = (ctx: ContainerContext): Effect.Effect<Control> =>
  Effect.map(Ref.make(false), (mayBeFrozen): Control => {
    // Marked before the pause: a pause that failed or timed out may still have frozen the container.
    const freeze: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> = ctx.useRunc
      ? Effect.zipRight(Ref.set(mayBeFrozen, true), ctx.runc.pause(ctx.id))
      : ctx.engine.pause(ctx.id)
    const thaw: Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> = ctx.useRunc
      ? Effect.zipRight(ctx.runc.resume(ctx.id), Ref.set(mayBeFrozen, false))
      : ctx.engine.unpause(ctx.id)

    // The name and the container say what the span is; a stack trace per call would cost more than the rest.
    const spanOptions = { attributes: { containerId: ctx.id }, captureStackTrace: false }
    const suspend = Effect.zipRight(closeClient(ctx), freeze).pipe(
      Effect.withSpan("DockerContainer.suspend", spanOptions)
    )
    const resume = Effect.zipRight(thaw, openClient(ctx)).pipe(
      Effect.withSpan("DockerContainer.resume", spanOptions)
    )
    const thawBeforeRemoval = Effect.flatMap(Ref.get(mayBeFrozen), (frozen) =>
      frozen
        ? ctx.runc.resume(ctx.id).pipe(
          Effect.tapError((error) => Effect.logWarning(`Removing ${ctx.id} while it may still be frozen: ${error.message}`)),
          Effect.ignore
        )
        : Effect.void)
    const destroy = closeClient(ctx).pipe(
      Effect.zipRight(thawBeforeRemoval),
      Effect.zipRight(ctx.engine.remove(ctx.id)),
      // Already gone is what destroy wants.
      Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void),
      Effect.withSpan("DockerContainer.destroy", spanOptions)
    )
    return { suspend, resume, destroy }
  })
