import type { ContainerAddress, ContainerHttp } from "@effect-whisk/core"
import { Effect, Option, Ref, SynchronizedRef } from "effect"

/**
 * The HTTP client of one action container, and everything about it: it is opened on first use, closed by suspend
 * (no connection survives a freeze, B11) and opened again by resume with the concurrency of the last /init, or the
 * configured default when resume comes before any /init (B12).
 *
 * @internal
 */
export interface ActionClient {
  /** The open client, if one is (read synchronously: the warm path's look-up). */
  readonly current: () => ContainerHttp.ContainerClient | undefined
  /** The open client; opened with `maxConcurrent` when none is. Concurrent first calls share one client. */
  readonly get: (maxConcurrent: number) => Effect.Effect<ContainerHttp.ContainerClient>
  /** Remembers the concurrency of an /init, for the client resume opens. */
  readonly initialized: (maxConcurrent: number) => Effect.Effect<void>
  /** Closes the client, if one is open; calls in flight are interrupted. */
  readonly close: Effect.Effect<void>
  /** Closes the client, if one is open, and opens a new one with the remembered concurrency. */
  readonly reopen: Effect.Effect<void>
}

/** @internal */
export const make = (
  http: ContainerHttp.Service,
  address: ContainerAddress.ContainerAddress,
  defaultMaxConcurrent: number
): Effect.Effect<ActionClient> =>
  Effect.gen(function*() {
    // The SynchronizedRef serialises opening and closing, so concurrent first calls share one client (the original
    // could open two and leak one).
    const current = yield* SynchronizedRef.make(Option.none<ContainerHttp.ContainerClient>())
    // What `current` holds, kept beside it for the synchronous look-up; written wherever `current` is.
    let openNow: ContainerHttp.ContainerClient | undefined = undefined
    const remember = (client: Option.Option<ContainerHttp.ContainerClient>) => {
      openNow = Option.getOrUndefined(client)
      return client
    }
    const maxConcurrentOfInit = yield* Ref.make(defaultMaxConcurrent)
    const open = (maxConcurrent: number) => http.open(address, { maxConcurrent })
    const closeIfOpen = (client: Option.Option<ContainerHttp.ContainerClient>) =>
      Option.match(client, { onNone: () => Effect.void, onSome: (open) => open.close })
    return {
      current: () => openNow,
      get: (maxConcurrent) =>
        // Reading first spares every call but the first the SynchronizedRef's lock.
        Effect.flatMap(Ref.get(current), (client) =>
          Option.isSome(client)
            ? Effect.succeed(client.value)
            : SynchronizedRef.modifyEffect(current, (latest) =>
              Option.match(latest, {
                onSome: (open) => Effect.succeed([open, latest] as const),
                onNone: () => Effect.map(open(maxConcurrent), (opened) => [opened, remember(Option.some(opened))] as const)
              }))),
      initialized: (maxConcurrent) => Ref.set(maxConcurrentOfInit, maxConcurrent),
      close: SynchronizedRef.updateEffect(current, (client) => Effect.as(closeIfOpen(client), remember(Option.none()))),
      reopen: Effect.flatMap(Ref.get(maxConcurrentOfInit), (maxConcurrent) =>
        SynchronizedRef.updateEffect(current, (client) => {
          // The client being closed is no longer handed out by `current`.
          remember(Option.none())
          return Effect.zipRight(closeIfOpen(client), Effect.map(open(maxConcurrent), (opened) => remember(Option.some(opened))))
        }))
    }
  })
