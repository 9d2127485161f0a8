/**
 * runc, for freezing and thawing containers behind the engine's back (B11, B12, B44). The live Layer is in
 * `@effect-whisk/docker`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { ContainerId } from "./ContainerId.js"
import type { RuncError } from "./Errors.js"
import { type CallLog, recording } from "./internal/callLog.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly pause: (id: ContainerId) => Effect.Effect<void, RuncError>
  readonly resume: (id: ContainerId) => Effect.Effect<void, RuncError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Runc extends Context.Tag("@effect-whisk/core/Runc")<Runc, Service>() {}

/**
 * @since 0.1.0
 * @category testing
 */
export class RuncCalls extends Context.Tag("@effect-whisk/core/Runc/Calls")<RuncCalls, CallLog>() {}

/**
 * A Runc that succeeds unless told otherwise, recording every call in `RuncCalls`.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (overrides: Partial<Service> = {}): Layer.Layer<Runc | RuncCalls> =>
  Layer.effectContext(
    Effect.map(recording<Service>({ pause: () => Effect.void, resume: () => Effect.void, ...overrides }), ({ log, service }) =>
      Context.make(Runc, service).pipe(Context.add(RuncCalls, log)))
  )
