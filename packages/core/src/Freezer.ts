/**
 * Freezing and thawing a container (suspend and resume, B11, B12), by one of three strategies: the container's
 * cgroup freezer written directly (what runc itself does, without a process per call), runc, or the engine's
 * pause. The live Layer, which chooses the strategy per engine (`EFFECT_WHISK_FREEZER`), is in `@effect-whisk/docker`.
 *
 * What each strategy does when asked twice: the cgroup strategy freezes a frozen container and thaws a running one
 * as a no-op; runc and the engine refuse both with their typed error (RuncError NonZeroExit, DockerEngineError
 * Conflict).
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option } from "effect"
import type { ContainerId } from "./ContainerId.js"
import type * as DockerEngine from "./DockerEngine.js"
import type { DockerEngineError, FreezerError, RuncError } from "./Errors.js"
import { type CallLog, recording } from "./internal/callLog.js"
import type * as Runc from "./Runc.js"

/**
 * How the strategy is chosen: `auto` decides at the first freeze of the engine's first container (cgroup when the
 * container's freezer file is writable, else runc when the binary and its state root answer, else the engine).
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "auto" | "cgroup" | "runc" | "engine"

/**
 * @since 0.1.0
 * @category models
 */
export type Strategy = Exclude<Mode, "auto">

/**
 * @since 0.1.0
 * @category models
 */
export const modes: ReadonlyArray<Mode> = ["auto", "cgroup", "runc", "engine"]

/**
 * What a freezer needs to know about a container: its id, and the pid of its init process (from the engine's
 * inspect at create), whose `/proc/<pid>/cgroup` names the container's cgroup.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly id: ContainerId
  readonly pid: number
}

/**
 * @since 0.1.0
 * @category models
 */
export type FreezeError = FreezerError | RuncError | DockerEngineError

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly mode: Mode
  /** The strategy in use: known at once for a fixed mode, after the first freeze for `auto`. */
  readonly strategy: Effect.Effect<Option.Option<Strategy>>
  readonly freeze: (target: Target) => Effect.Effect<void, FreezeError>
  readonly thaw: (target: Target) => Effect.Effect<void, FreezeError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Freezer extends Context.Tag("@effect-whisk/core/Freezer")<Freezer, Service>() {}

/**
 * @since 0.1.0
 * @category testing
 */
export class FreezerCalls extends Context.Tag("@effect-whisk/core/Freezer/Calls")<FreezerCalls, CallLog>() {}

/**
 * The runc strategy over a Runc service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRunc = (runc: Runc.Service): Service => ({
  mode: "runc",
  strategy: Effect.succeed(Option.some("runc")),
  freeze: (target) => runc.pause(target.id),
  thaw: (target) => runc.resume(target.id)
})

/**
 * The engine strategy: the engine's pause and unpause.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEngine = (engine: DockerEngine.Service): Service => ({
  mode: "engine",
  strategy: Effect.succeed(Option.some("engine")),
  freeze: (target) => engine.pause(target.id),
  thaw: (target) => engine.unpause(target.id)
})

/**
 * A Freezer that succeeds unless told otherwise (strategy `cgroup`), recording every freeze and thaw in
 * `FreezerCalls`.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (overrides: Partial<Service> = {}): Layer.Layer<Freezer | FreezerCalls> =>
  Layer.effectContext(
    Effect.map(
      recording<Service>({
        mode: "cgroup",
        strategy: Effect.succeed(Option.some("cgroup")),
        freeze: () => Effect.void,
        thaw: () => Effect.void,
        ...overrides
      }),
      ({ log, service }) => Context.make(Freezer, service).pipe(Context.add(FreezerCalls, log))
    )
  )
