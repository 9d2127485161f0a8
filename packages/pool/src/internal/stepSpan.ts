import { Context, DefaultServices, Effect, Tracer } from "effect"

/** Effect's own tracer, in place until a program installs another: its spans are kept by nobody. */
const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * `self` in a span made current, as `Effect.withSpan` does, when the fiber's tracer is one a program installed
 * (OpenTelemetry's, a test's); under Effect's default tracer, whose spans no one reads, none is made. For the spans
 * of every activation (invoke, wait, run, logs): over instant containers they cost about half of the pool's CPU per
 * activation, most of it the two updates of the fiber's context that make each one current. As the docker package's
 * `DockerContainer.run` span (its `callSpan`).
 *
 * @internal
 */
export const withStepSpan = (name: string, options: Tracer.SpanOptions) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer) === defaultTracer
      ? self
      : Effect.withSpan(self, name, options)
  )
