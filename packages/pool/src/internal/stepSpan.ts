import { Tracing } from "@effect-whisk/core"
import { Effect, type Tracer } from "effect"

/**
 * `self` in a span made current, as `Effect.withSpan` does, when a tracer is installed (`Tracing.installed`); none
 * otherwise. For the spans of every activation (invoke, wait, run, logs): over instant containers they cost about half
 * of the pool's CPU per activation, most of it the two updates of the fiber's context that make each one current.
 *
 * @internal
 */
export const withStepSpan = (name: string, options: Tracer.SpanOptions) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    Tracing.installed(fiber) ? Effect.withSpan(self, name, options) : self
  )
