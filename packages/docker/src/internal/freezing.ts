import type { ContainerId, Freezer } from "@effect-whisk/core"
import type { Effect } from "effect"

/**
 * What freezing a container needs: its id, its init process (the cgroup strategy finds the container's cgroup from
 * it) and the freezer chosen at create.
 *
 * @internal
 */
export interface Freezable {
  readonly id: ContainerId.ContainerId
  readonly pid: number
  readonly freezer: Freezer.Service
}

/**
 * Freezes the container's processes with its freezer's strategy (the cgroup, runc or the engine's pause).
 *
 * @internal
 */
export const freeze = (container: Freezable): Effect.Effect<void, Freezer.FreezeError> =>
  container.freezer.freeze({ id: container.id, pid: container.pid })

/**
 * Thaws them with the same strategy.
 *
 * @internal
 */
export const thaw = (container: Freezable): Effect.Effect<void, Freezer.FreezeError> =>
  container.freezer.thaw({ id: container.id, pid: container.pid })
