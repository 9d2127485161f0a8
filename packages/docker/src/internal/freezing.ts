import type { ContainerId, DockerEngine, Errors, Runc } from "@effect-whisk/core"
import type { Effect } from "effect"

/**
 * What freezing a container needs: runc (`useRunc`) or the engine's pause.
 *
 * @internal
 */
export interface Freezable {
  readonly id: ContainerId.ContainerId
  readonly useRunc: boolean
  readonly runc: Runc.Service
  readonly engine: DockerEngine.Service
}

/**
 * Freezes the container's processes: `runc pause`, or the engine's pause.
 *
 * @internal
 */
export const freeze = (container: Freezable): Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> =>
  container.useRunc ? container.runc.pause(container.id) : container.engine.pause(container.id)

/**
 * Thaws them: `runc resume`, or the engine's unpause.
 *
 * @internal
 */
export const thaw = (container: Freezable): Effect.Effect<void, Errors.RuncError | Errors.DockerEngineError> =>
  container.useRunc ? container.runc.resume(container.id) : container.engine.unpause(container.id)
