/**
 * Per-activation log attribution for a container that runs one activation at a time (maxConcurrent 1): the next
 * /run starts only after the previous activation's logs are complete, so no line of the next activation can land
 * between the previous one's sentinels (its stdout sentinel, then the next one's first line, then its stderr line).
 *
 * The rule, for /runs with maxConcurrent 1:
 * - A /run waits for the gate, holds it while it posts, and when it has succeeded leaves it held for its log
 *   collection. The first collection (`logs` or `logLines`) that starts then ends the hold when it ends, however it
 *   ends: both sentinels seen, a timeout, a truncation, a failure or an interruption.
 * - A /run that fails (nothing to attribute) or is interrupted opens the gate at once.
 * - A /run with `logsCollected: false` (the caller's opt-out: it will not collect that activation's logs, or does not
 *   need them apart) waits as any /run does, then posts without holding the gate: there is no collection to hold it
 *   for, and the HTTP client lets one /run through at a time anyway, so a /run that comes while it posts takes the
 *   gate and waits for the client's slot instead.
 * - No deadlock when no collection comes: a /run from the fiber whose own /run holds the gate does not wait (a
 *   fiber cannot be collecting while it runs, so its earlier activation's logs were not collected in between), and a
 *   held gate whose collection has not started within the grace time (10 s) after its /run ended opens for the next
 *   /run, with a warning. Suspend and resume neither take nor wait for the gate.
 * - /runs with maxConcurrent above 1 neither wait nor hold: interleaved activations cannot be told apart by their
 *   sentinels (the README says what attribution is possible then).
 *
 * @since 0.1.0
 */
import { Clock, Context, Deferred, Duration, Effect, Equal, Exit, FiberId, Stream } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface LogsGate {
  /** Runs a /run's post through the gate (see the module's rule). */
  readonly run: <A, E, R>(
    options: { readonly maxConcurrent: number; readonly logsCollected?: boolean | undefined },
    post: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
  /** Runs a collection; the first one after a /run that holds the gate opens it when it ends. */
  readonly collection: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The same for a streamed collection: from its start until the stream ends. */
  readonly collectionStream: <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
}

/**
 * How long a held gate waits for its activation's collection to start before the next /run goes ahead.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultGrace: Duration.Duration = Duration.seconds(10)

/**
 * One hold of the gate, opened once. Its Deferred is made only when a /run has to wait for it: most holds end with
 * nobody waiting, and a Deferred per /run costs more than the rest of the gate.
 */
class Hold {
  private opened = false
  private waiters: Deferred.Deferred<void> | undefined = undefined

  awaitOpen(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.opened) return Effect.void
      this.waiters ??= Deferred.unsafeMake<void>(FiberId.none)
      return Deferred.await(this.waiters)
    })
  }

  unsafeOpen(): void {
    this.opened = true
    if (this.waiters !== undefined) Deferred.unsafeDone(this.waiters, Exit.void)
  }
}

type Phase =
  | { readonly _tag: "Open" }
  | { readonly _tag: "Running"; readonly opened: Hold }
  | {
    readonly _tag: "AwaitingCollection"
    readonly opened: Hold
    readonly fiber: FiberId.FiberId
    readonly since: number
  }
  | { readonly _tag: "Collecting"; readonly opened: Hold }

const open: Phase = { _tag: "Open" }

/**
 * A gate for one container.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (grace: Duration.DurationInput = defaultGrace): Effect.Effect<LogsGate> =>
  Effect.sync(() => {
    const graceMillis = Duration.toMillis(Duration.decode(grace))
    let phase: Phase = open

    /** Opens the gate if `opened` is still the current hold: a late release of an earlier hold changes nothing. */
    const unsafeRelease = (opened: Hold) => {
      if (phase._tag === "Open" || phase.opened !== opened) return
      phase = open
      opened.unsafeOpen()
    }
    const release = (opened: Hold) => Effect.sync(() => unsafeRelease(opened))

    /** Whether a /run of `fiber` may go now: the gate is open, or held for the fiber's own earlier /run (released). */
    const openNow = (fiber: FiberId.FiberId): boolean => {
      if (phase._tag === "AwaitingCollection" && Equal.equals(phase.fiber, fiber)) {
        const held = phase.opened
        phase = open
        held.unsafeOpen()
      }
      return phase._tag === "Open"
    }

    /**
     * Takes the gate at once when no wait is needed (it is open, or held for the calling fiber's own earlier /run,
     * which is released first); undefined when the caller must wait. Synchronous: the warm path of every /run.
     */
    const takeNow = (fiber: FiberId.FiberId): Hold | undefined => {
      if (!openNow(fiber)) return undefined
      const opened = new Hold()
      phase = { _tag: "Running", opened }
      return opened
    }

    /** Takes the gate for a /run, waiting for the hold before it (the rule's deadlock exits included). */
    const enter: Effect.Effect<Hold> = Effect.gen(function*() {
      const fiber = yield* Effect.fiberId
      while (true) {
        const now = phase
        if (now._tag === "AwaitingCollection") {
          const ownRun = Equal.equals(now.fiber, fiber)
          const waited = (yield* Clock.currentTimeMillis) - now.since
          if (ownRun || waited >= graceMillis) {
            if (!ownRun) {
              yield* Effect.logWarning(
                `No log collection started within ${graceMillis} ms of the last /run; the next /run goes ahead (set logsCollected: false on /runs whose logs are not collected)`
              )
            }
            yield* release(now.opened)
            continue
          }
          yield* Effect.raceFirst(now.opened.awaitOpen(), Effect.sleep(graceMillis - waited))
          continue
        }
        if (now._tag !== "Open") {
          yield* now.opened.awaitOpen()
          continue
        }
        const opened = new Hold()
        phase = { _tag: "Running", opened }
        return opened
      }
    })

    /** After a /run that succeeded, the gate stays held for its activation's collection. */
    const unsafeHold = (opened: Hold, fiber: FiberId.FiberId, now: number) => {
      if (phase._tag === "Running" && phase.opened === opened) {
        phase = { _tag: "AwaitingCollection", opened, fiber, since: now }
      }
    }

    // The warm path of every /run: the gate's own steps are synchronous inside the two continuations of the post,
    // so that it adds no step of its own to the fiber beyond the interruption mask it needs.
    /** A /run whose logs nobody will collect: it waits while a hold is due, then posts holding nothing. */
    const runUncollected = <A, E, R>(post: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.withFiberRuntime((fiber) =>
        openNow(fiber.id())
          ? post
          : Effect.zipRight(Effect.uninterruptibleMask((restore) => Effect.flatMap(restore(enter), release)), post)
      )

    const run: LogsGate["run"] = (options, post) =>
      options.maxConcurrent !== 1
        ? post
        : options.logsCollected === false
        ? runUncollected(post)
        : Effect.uninterruptibleMask((restore) =>
          Effect.withFiberRuntime((fiber) => {
            const self = fiber.id()
            const posted = (opened: Hold) =>
              Effect.matchCauseEffect(restore(post), {
                onFailure: (cause) => {
                  unsafeRelease(opened)
                  return Effect.failCause(cause)
                },
                onSuccess: (value) => {
                  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
                  unsafeHold(opened, self, clock.unsafeCurrentTimeMillis())
                  return Effect.succeed(value)
                }
              })
            const taken = takeNow(self)
            return taken === undefined ? Effect.flatMap(restore(enter), posted) : posted(taken)
          })
        )

    /** The hold this collection ends, if it is the first since a /run. */
    const claim = Effect.sync(() => {
      if (phase._tag !== "AwaitingCollection") return undefined
      phase = { _tag: "Collecting", opened: phase.opened }
      return phase.opened
    })
    const releaseClaimed = (opened: Hold | undefined) =>
      opened === undefined ? Effect.void : release(opened)

    return {
      run,
      collection: (self) =>
        // Nothing to claim (no /run awaits its collection): the collection alone. Claimed, the release follows it
        // however it ends; inside the mask already, so without the mask and steps `Effect.ensuring` would add.
        Effect.suspend(() =>
          phase._tag !== "AwaitingCollection" ? self : Effect.uninterruptibleMask((restore) =>
            Effect.flatMap(claim, (opened) =>
              Effect.matchCauseEffect(restore(self), {
                onFailure: (cause) => Effect.zipRight(releaseClaimed(opened), Effect.failCause(cause)),
                onSuccess: (value) => Effect.as(releaseClaimed(opened), value)
              }))
          )
        ),
      collectionStream: (self) =>
        Stream.unwrapScoped(Effect.as(Effect.acquireRelease(claim, releaseClaimed), self))
    }
  })
