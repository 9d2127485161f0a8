import type { DockerEngine } from "@effect-whisk/core"
import { Effect } from "effect"
import * as FairSemaphore from "./fairSemaphore.js"

/**
 * At most `parallelRuns` creates in flight, first come first served (B38; 0 = unlimited). The permit is taken
 * before the create, so the create's own timeout starts only once it runs, and given back however it ends. Waiting
 * for a permit can be interrupted.
 *
 * @internal
 */
export const limitRuns = (parallelRuns: number) =>
(engine: DockerEngine.Service): Effect.Effect<DockerEngine.Service> =>
  parallelRuns <= 0
    ? Effect.succeed(engine)
    : Effect.map(FairSemaphore.make(parallelRuns), (semaphore) => ({
      ...engine,
      createAndStart: (spec) => semaphore.withPermit(engine.createAndStart(spec))
    }))
