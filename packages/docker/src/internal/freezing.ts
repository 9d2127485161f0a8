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

// One target per container for its life, so that a freezer can remember what it found for it (the cgroup strategy
// its directory).
const targets = new WeakMap<Freezable, Freezer.Target>()

const targetOf = (container: Freezable): Freezer.Target => {
  const known = targets.get(container)
  if (known !== undefined) return known
  const target = { id: container.id, pid: container.pid }
  targets.set(container, target)
  return target
}

/**
 * Freezes the container's processes with its freezer's strategy (the cgroup, runc or the engine's pause).
 *
 * @internal
 */
export const freeze = (container: Freezable): Effect.Effect<void, Freezer.FreezeError> =>
  container.freezer.freeze(targetOf(container))

/**
 * Thaws them with the same strategy.
 *
 * @internal
 */
export const thaw = (container: Freezable): Effect.Effect<void, Freezer.FreezeError> =>
  container.freezer.thaw(targetOf(container))
