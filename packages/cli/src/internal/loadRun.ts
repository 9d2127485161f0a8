import { ByteSize } from "@effect-whisk/core"
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Duration, Effect, Either, Option, Random } from "effect"
import * as DurationText from "./durationText.js"
import { makePool, poolAction, prepareImage, type Requirements, withPoolScope } from "./invocation.js"
import type { ActionRequest } from "./invokeRequest.js"
import { type ActionOptions, byteSize, count, toActionRequest } from "./invokeOptions.js"
import { type LoadSummary, type Sample, summarize } from "./loadSummary.js"
import { everySecond, type Progress } from "./progress.js"
import { UsageError } from "./usageError.js"

/** The `load` command line as @effect/cli parsed it, before it is checked. */
export interface LoadOptions extends ActionOptions {
  readonly callers: string
  readonly actions: string
  readonly duration: string
  readonly count: Option.Option<string>
  readonly memoryBudget: string
}

/** A checked `load` command line. */
export interface LoadRequest extends ActionRequest {
  readonly callers: number
  readonly actions: number
  readonly duration: Duration.Duration
  readonly count: Option.Option<number>
  readonly memoryBudget: ByteSize.ByteSize
}

// More callers than this is a typo rather than a load a single host can drive.
const mostCallers = 4096
const mostActions = 1024

const atMost = (option: string, most: number) => (value: number) =>
  value > most
    ? Either.left(new UsageError({ message: `${option} ${value} is more than ${most}; give at most ${most}` }))
    : Either.right(value)

export const toLoadRequest = (
  options: LoadOptions
): Effect.Effect<LoadRequest, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const checked = yield* Either.all({
      callers: Either.flatMap(count("--callers", options.callers, "32"), atMost("--callers", mostCallers)),
      actions: Either.flatMap(count("--actions", options.actions, "8"), atMost("--actions", mostActions)),
      duration: DurationText.parse("--duration", options.duration),
      count: Option.match(options.count, {
        onNone: () => Either.right(Option.none<number>()),
        onSome: (text) => Either.map(count("--count", text, "1000"), Option.some)
      }),
      memoryBudget: byteSize("--memory-budget", options.memoryBudget, "1g")
    })
    const request = yield* toActionRequest(options)
    if (checked.memoryBudget.bytes < request.memory.bytes) {
      return yield* new UsageError({
        message: `--memory-budget ${options.memoryBudget} is less than one container's --memory ${options.memory}; ` +
          `give at least ${options.memory}`
      })
    }
    return { ...request, ...checked }
  })

const rate = (activations: number, millis: number) => (millis > 0 ? (activations * 1000) / millis : 0)

/**
 * `callers` fibers invoke copies of the action through one pool, each one activation after the other, until the
 * duration is over or `count` activations have started; then the pool's scope closes and removes every container.
 * An interruption (Ctrl-C) ends the activations under way and removes the containers as well.
 */
export const run = (
  request: LoadRequest,
  progress: Progress
): Effect.Effect<Either.Either<LoadSummary, string>, never, Requirements> =>
  Effect.gen(function*() {
    const image = yield* prepareImage(request, progress)
    if (Either.isLeft(image)) return Either.left(image.left)
    const base = Option.match(request.action, { onNone: () => "action", onSome: ({ name }) => name })
    const actions = Array.from(
      { length: request.actions },
      (_, index) => poolAction(request, image.right, request.actions === 1 ? base : `${base}-${index + 1}`)
    )
    const [summary] = yield* withPoolScope(progress, (scope) =>
      Effect.gen(function*() {
        let createErrors = 0
        const made = yield* Effect.either(makePool(request, scope, { userMemory: request.memoryBudget }, (detail) => {
          // The first one says why; the count is in the summary's errors.
          if (createErrors++ === 0) progress.step(`a container of ${image.right} could not be created: ${detail}`)
        }))
        if (Either.isLeft(made)) return Either.left(made.left.message)
        const pool = made.right
        const samples: Array<Sample> = []
        const limit = Option.getOrElse(request.count, () => Number.POSITIVE_INFINITY)
        let started = 0
        const start = yield* Clock.currentTimeMillis
        const deadline = start + Duration.toMillis(request.duration)
        let lastTick = { at: start, done: 0 }

        const caller = Effect.gen(function*() {
          while ((yield* Clock.currentTimeMillis) < deadline && started < limit) {
            started++
            const action = actions[yield* Random.nextIntBetween(0, actions.length)]!
            const [took, outcome] = yield* Effect.timed(Effect.either(pool.invoke(action, request.params)))
            const latency = Duration.toMillis(took)
            samples.push(
              Either.isRight(outcome)
                ? { _tag: "Record", latency, activation: outcome.right }
                : { _tag: "Failure", latency, message: outcome.left.message }
            )
          }
        })

        const status = (now: number) => {
          const current = rate(samples.length - lastTick.done, now - lastTick.at)
          lastTick = { at: now, done: samples.length }
          return `${((now - start) / 1000).toFixed(0)} s · ${samples.length} activations · ${current.toFixed(1)}/s`
        }
        yield* Effect.scoped(
          Effect.zipRight(
            everySecond(progress, () => status(Date.now())),
            Effect.all(Array.from({ length: request.callers }, () => caller), { concurrency: "unbounded", discard: true })
          )
        )
        const end = yield* Clock.currentTimeMillis
        return Either.right(summarize(samples, { callers: request.callers, actions: request.actions, elapsed: end - start }))
      }))
    return summary
  })
