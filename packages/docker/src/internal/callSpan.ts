import { Context, DefaultServices, Effect, Tracer } from "effect"

/** Effect's own tracer, in place until a program installs another: its spans are kept by nobody. */
const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * The span of one call into a container (initialize, run), made as `Effect.useSpan` makes it when the fiber's tracer
 * is one a program installed; under Effect's default tracer, whose spans no one reads, none is made and `f` gets
 * undefined. Making it cost about 25 µs of a warm /run's 400 (figure 3): the fiber refs copied, the span's clock
 * reads and its record, on caches the call's I/O has left cold.
 *
 * @internal
 */
export const useCallSpan = <A, E, R>(
  name: string,
  options: Tracer.SpanOptions,
  f: (span: Tracer.Span | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer) === defaultTracer
      ? f(undefined)
      : Effect.useSpan(name, options, f)
  )

/**
 * `self` as a child of `span` when there is one (see `useCallSpan`).
 *
 * @internal
 */
export const inCallSpan = <A, E, R>(self: Effect.Effect<A, E, R>, span: Tracer.Span | undefined): Effect.Effect<A, E, R> =>
  span === undefined ? self : Effect.withParentSpan(self, span)
