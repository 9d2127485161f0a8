type Steps<A extends ReadonlyArray<unknown>> = { readonly [K in keyof A]: (signal: AbortSignal) => Promise<A[K]> }

/**
 * Runs independent steps at once, each with a signal that aborts when `signal` does or when another step fails, and
 * settles only when every step has (so no process a step started outlives the call). Rejects with the first
 * failure, not with the interruptions it caused.
 */
export const allSteps = async <A extends ReadonlyArray<unknown>>(
  signal: AbortSignal | undefined,
  steps: Steps<A>
): Promise<A> => {
  const controller = new AbortController()
  const abort = () => controller.abort(signal?.reason)
  if (signal?.aborted) abort()
  else signal?.addEventListener("abort", abort, { once: true })
  let failure: { readonly cause: unknown } | undefined
  try {
    const results = await Promise.allSettled(
      (steps as ReadonlyArray<(signal: AbortSignal) => Promise<unknown>>).map((step) =>
        step(controller.signal).catch((cause: unknown) => {
          failure ??= { cause }
          controller.abort()
          throw cause
        })
      )
    )
    if (failure !== undefined) throw failure.cause
    return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as A
  } finally {
    signal?.removeEventListener("abort", abort)
  }
}
