import { Effect, Ref, Stream } from "effect"

/** @internal */
export interface Call {
  readonly method: string
  readonly args: ReadonlyArray<unknown>
}

/** @internal */
export interface CallLog {
  /** Every call, in the order the effects ran. */
  readonly all: Effect.Effect<ReadonlyArray<Call>>
  /** The argument lists of one method's calls. */
  readonly of: (method: string) => Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>>
  /** How often one method was called. */
  readonly count: (method: string) => Effect.Effect<number>
}

/**
 * Wraps every Effect- or Stream-returning member of a service so that running it first records the call.
 *
 * @internal
 */
export const recording = <S extends object>(service: S): Effect.Effect<{ readonly service: S; readonly log: CallLog }> =>
  Effect.map(Ref.make<ReadonlyArray<Call>>([]), (ref) => {
    const record = (method: string, args: ReadonlyArray<unknown>) => Ref.update(ref, (calls) => [...calls, { method, args }])
    const wrapResult = (method: string, args: ReadonlyArray<unknown>, out: unknown): unknown => {
      if (Effect.isEffect(out)) return Effect.zipRight(record(method, args), out)
      if (typeof out === "object" && out !== null && Stream.StreamTypeId in out) {
        return Stream.unwrap(Effect.as(record(method, args), out as Stream.Stream<unknown, unknown, unknown>))
      }
      return out
    }
    const wrapped: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(service)) {
      wrapped[key] = typeof value === "function"
        ? (...args: Array<unknown>) => wrapResult(key, args, value(...args))
        : wrapResult(key, [], value)
    }
    const all = Ref.get(ref)
    const of = (method: string) =>
      Effect.map(all, (calls) => calls.filter((call) => call.method === method).map((call) => call.args))
    return {
      service: wrapped as S,
      log: { all, of, count: (method: string) => Effect.map(of(method), (calls) => calls.length) }
    }
  })
