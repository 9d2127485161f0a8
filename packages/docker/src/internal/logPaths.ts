import { Effect } from "effect"

/**
 * The json-file log path of each container whose logs were read: a container's log path never changes, so one
 * inspect per container is enough instead of one per collection. Only a path that was found is kept. An entry goes
 * when its container is removed through this engine, when its file is found gone, or when `capacity` paths are kept
 * and another is added: the least recently read one goes, so the paths of containers that others removed cannot
 * pile up.
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

/** More than the containers one engine runs at a time. @internal */
export const defaultCapacity = 1024

/** @internal */
export const make = (capacity: number = defaultCapacity): Effect.Effect<LogPaths> =>
  Effect.sync(() => {
    // A Map iterates in insertion order: re-inserting on every read keeps the least recently read first.
    const paths = new Map<string, string>()
    const keep = (id: string, path: string) => {
      paths.delete(id)
      paths.set(id, path)
      if (paths.size > capacity) paths.delete(paths.keys().next().value!)
    }
    return {
      get: (id, lookup) =>
        Effect.suspend(() => {
          const known = paths.get(id)
          if (known === undefined) return Effect.tap(lookup, (path) => Effect.sync(() => keep(id, path)))
          keep(id, known)
          return Effect.succeed(known)
        }),
      forget: (idOrName) => Effect.sync(() => void paths.delete(idOrName)),
      size: Effect.sync(() => paths.size)
    }
  })
