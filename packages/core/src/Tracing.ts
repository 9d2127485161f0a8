/**
 * Whether spans are worth making: a program that installed a tracer (OpenTelemetry's, a test's) reads them; under
 * Effect's default tracer nobody does. The warm path's spans (a container's initialize and run, the pool's steps of
 * each activation) are made only when one is installed: under the default tracer making them cost about 25 µs of a
 * warm /run and half of the pool's CPU per activation.
 *
 * @since 0.1.0
 */
import { Context, DefaultServices, type Fiber, Tracer } from "effect"

/** Effect's own tracer, in place until a program installs another. */
const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Whether the fiber's tracer is one a program installed, rather than Effect's default one.
 *
 * @since 0.1.0
 * @category predicates
 */
export const installed = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  Context.get(fiber.currentDefaultServices, Tracer.Tracer) !== defaultTracer
