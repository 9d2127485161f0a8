import { Stream } from "effect"
import type { DockerContainer } from "../DockerContainer.js"
import type { ContainerContext } from "./state.js"

// Owned by the logs work (issue 5): DockerContainer.logs over @effect-whisk/logs.

/** @internal */
export const logs = (_ctx: ContainerContext): DockerContainer["logs"] => () =>
  Stream.dieMessage("DockerContainer.logs is not implemented yet")
