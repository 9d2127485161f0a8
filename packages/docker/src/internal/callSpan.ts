import { Tracing } from "@effect-whisk/core"
import { Effect, type Tracer } from "effect"

/**
 * The span of one call into a container (initialize, run), made as `Effect.useSpan` makes it when a tracer is
 * installed (`Tracing.installed`); otherwise `f` gets undefined. Making it cost about 25 µs of a warm /run's 400
 * (figure 3): the fiber refs copied, the span's clock reads and its record, on caches the call's I/O has left cold.
 *
 * @internal
 */
export const useCallSpan = <A, E, R>(
  name: string,
  options: Tracer.SpanOptions,
  f: (span: Tracer.Span | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    Tracing.installed(fiber) ? Effect.useSpan(name, options, f) : f(undefined)
  )

/**
 * `self` as a child of `span` when there is one (see `useCallSpan`).
 *
 * @internal
 */
export const inCallSpan = <A, E, R>(self: Effect.Effect<A, E, R>, span: Tracer.Span | undefined): Effect.Effect<A, E, R> =>
  span === undefined ? self : Effect.withParentSpan(self, span)
