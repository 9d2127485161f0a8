import { Effect } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./state.js"

// Owned by the action-call work (issue 4): callContainer with OOM detection, initialize (B22), run (B23).

/** @internal */
export const initialize = (_ctx: ContainerContext): DockerContainer["initialize"] => () =>
  Effect.dieMessage("DockerContainer.initialize is not implemented yet")

/** @internal */
export const run = (_ctx: ContainerContext): DockerContainer["run"] => () =>
  Effect.dieMessage("DockerContainer.run is not implemented yet")
