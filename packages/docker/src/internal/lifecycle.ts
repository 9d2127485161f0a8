import { Effect } from "effect"
import type { CreateOptions } from "../DockerContainer.js"

// Owned by the lifecycle work (issue 3): create with pull rules, failure mapping, suspend, resume, destroy.
/** @internal */
export const create = (_options: CreateOptions) => Effect.dieMessage("DockerContainer.create is not implemented yet")

/** @internal */
export const createScoped = (_options: CreateOptions) =>
  Effect.dieMessage("DockerContainer.createScoped is not implemented yet")
