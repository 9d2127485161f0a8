import type { Freezer } from "@effect-whisk/core"
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
 * suspend, resume and destroy of one container (B11–B13), frozen by the given freezer. `mayBeFrozen` remembers a
 * freeze that was not thawed since: a container frozen behind the engine's back (cgroup, runc) cannot be removed
 * until it is thawed, whichever strategy froze it.
 *
 * @internal
 */
export const make = (ctx: ContainerContext, freezer: Freezer.Service, target: Freezer.Target): Effect.Effect<Control> =>
  Effect.map(Ref.make(false), (mayBeFrozen): Control => {
    // Marked before the freeze: a freeze that failed or timed out may still have frozen the container.
    const freeze = Effect.zipRight(Ref.set(mayBeFrozen, true), freezer.freeze(target))
    const thaw = Effect.zipRight(freezer.thaw(target), Ref.set(mayBeFrozen, false))

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
        ? freezer.thaw(target).pipe(
          Effect.tapError((error) => Effect.logWarning(`Removing ${ctx.id} while it may still be frozen: ${error.message}`)),
          Effect.ignore
        )
        : Effect.void)
    const destroy = closeClient(ctx).pipe(
      Effect.zipRight(thawBeforeRemoval),
      Effect.zipRight(ctx.engine.remove(ctx.id)),
      // Already gone is what destroy wants.
      Effect.catchIf((error) => error.reason === "NotFound", () => Effect.void),
      // A removed container is frozen no more: a second destroy (the Scope's) does not try to thaw it.
      Effect.zipRight(Ref.set(mayBeFrozen, false)),
      Effect.withSpan("DockerContainer.destroy", spanOptions)
    )
    return { suspend, resume, destroy }
  })
