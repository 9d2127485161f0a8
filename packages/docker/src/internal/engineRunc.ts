import { type DockerEngine, FreezerConfig, type Runc } from "@effect-whisk/core"
import { Effect } from "effect"
import * as RuncCommand from "../RuncCommand.js"

/**
 * runc's state root for this engine's containers: the configured one, except that Docker's default root holds only
 * Docker's containers, and Podman's runc keeps its state under `FreezerConfig.podmanRuncRoot`.
 *
 * @internal
 */
export const runcRootFor = (flavor: DockerEngine.EngineFlavor, configured: string): string =>
  flavor === "podman" && configured === FreezerConfig.defaults.runc.root ? FreezerConfig.podmanRuncRoot : configured

/**
 * The runc that reaches this engine's containers: the program's own when its root is the one, else the live command
 * at the engine's root.
 *
 * @internal
 */
export const runcFor = (
  flavor: DockerEngine.EngineFlavor,
  config: FreezerConfig.Shape,
  own: Runc.Service
): Effect.Effect<{ readonly root: string; readonly runc: Runc.Service }> => {
  const root = runcRootFor(flavor, config.runc.root)
  return root === config.runc.root
    ? Effect.succeed({ root, runc: own })
    : Effect.map(
      RuncCommand.make.pipe(Effect.provideService(FreezerConfig.FreezerConfig, { ...config, runc: { ...config.runc, root } })),
      (runc) => ({ root, runc })
    )
}
