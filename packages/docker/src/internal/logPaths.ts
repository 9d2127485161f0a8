import { Effect } from "effect"

/**
 * The json-file log path of each container whose logs were read: a container's log path never changes, so one
 * inspect per container is enough instead of one per collection. Only a path that was found is kept. An entry goes
 * when its container is removed through this engine or its file is found gone; a container that others removed and
 * nobody reads again keeps its entry (one string) until the engine's layer ends.
 *
 * @internal
 */
export interface LogPaths {
  /** The path kept for `id`, else the one `lookup` finds (kept when it succeeds). */
  readonly get: <E, R>(id: string, lookup: Effect.Effect<string, E, R>) => Effect.Effect<string, E, R>
  readonly forget: (idOrName: string) => Effect.Effect<void>
  /** How many paths are kept. */
  readonly size: Effect.Effect<number>
}

/** @internal */
export const make: Effect.Effect<LogPaths> = Effect.sync(() => {
  const paths = new Map<string, string>()
  return {
    get: (id, lookup) =>
      Effect.suspend(() => {
        const known = paths.get(id)
        return known === undefined ? Effect.tap(lookup, (path) => Effect.sync(() => paths.set(id, path))) : Effect.succeed(known)
      }),
    forget: (idOrName) => Effect.sync(() => void paths.delete(idOrName)),
    size: Effect.sync(() => paths.size)
  }
})
