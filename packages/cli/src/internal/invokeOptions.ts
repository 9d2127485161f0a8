import { ByteSize, ContainerSpec, ImageName } from "@effect-whisk/core"
import type { FileSystem, Path } from "@effect/platform"
import { Duration, Effect, Either, Option } from "effect"
import * as ActionSource from "./actionSource.js"
import * as DurationText from "./durationText.js"
import type { ActionRequest, InvokeRequest } from "./invokeRequest.js"
import * as Parameters from "./parameters.js"
import { UsageError } from "./usageError.js"

/** The `invoke` command line as @effect/cli parsed it, before it is checked. */
export interface InvokeOptions {
  readonly action: Option.Option<string>
  readonly main: string
  readonly param: ReadonlyArray<string>
  readonly paramsJson: Option.Option<string>
  readonly image: Option.Option<string>
  readonly blackbox: boolean
  readonly memory: string
  readonly timeout: string
  readonly logLimit: string
  readonly maxResponse: string
  readonly network: Option.Option<string>
  readonly env: ReadonlyArray<string>
  readonly repeat: string
  readonly pauseGrace: string
  readonly noSuspend: boolean
  readonly keep: boolean
  readonly json: boolean
}

// The engine refuses a memory limit below 6 MB.
const minimumMemory = ByteSize.megabytes(6)

export const byteSize = (option: string, text: string, example: string) =>
  Either.mapLeft(ByteSize.parse(text), () =>
    new UsageError({ message: `${option} '${text}' is not a size; give a whole number with an optional unit, such as ${example}` }))

export const memory = (text: string) =>
  Either.flatMap(byteSize("--memory", text, "256m"), (size) =>
    size.bytes < minimumMemory.bytes
      ? Either.left(new UsageError({ message: `--memory ${text} is below the engine's minimum of 6 MB; give at least 6m, such as 256m` }))
      : Either.right(size))

const positiveSize = (option: string, text: string, example: string) =>
  Either.flatMap(byteSize(option, text, example), (size) =>
    size.bytes === 0
      ? Either.left(new UsageError({ message: `${option} must be more than 0 bytes, such as ${example}` }))
      : Either.right(size))

/** A whole number of at least 1. */
export const count = (option: string, text: string, example: string) => {
  const count = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  return Number.isSafeInteger(count) && count >= 1
    ? Either.right(count)
    : Either.left(new UsageError({ message: `${option} '${text}' is not a whole number of at least 1; for example ${option} ${example}` }))
}

const pauseGrace = (text: string) =>
  /^\s*0+(\.0+)?\s*[a-z]*\s*$/i.test(text) ? Either.right(Duration.zero) : DurationText.parse("--pause-grace", text)

const image = (text: string) =>
  Either.map(
    Either.mapLeft(ImageName.parse(text), (error) => new UsageError({ message: `--image: ${error.message}` })),
    () => text
  )

const environment = (entries: ReadonlyArray<string>) =>
  Either.mapBoth(ContainerSpec.parseEnvEntries(entries), {
    onLeft: (error) => new UsageError({ message: `--env: ${error.message}` }),
    onRight: (pairs) => Object.fromEntries(pairs) as Record<string, string>
  })

const network = (text: string) =>
  text.trim().length === 0
    ? Either.left(new UsageError({ message: "--network must name a network, such as bridge" }))
    : Either.right(text)

const sequence = <A, E>(option: Option.Option<Either.Either<A, E>>): Either.Either<Option.Option<A>, E> =>
  Option.match(option, { onNone: () => Either.right(Option.none()), onSome: Either.map(Option.some) })

/** What `invoke` and `load` share on their command lines. */
export type ActionOptions = Omit<InvokeOptions, "repeat" | "pauseGrace" | "noSuspend" | "keep">

/** Checks the options of the action and reads it; every problem is a UsageError that says what to change. */
export const toActionRequest = (
  options: ActionOptions
): Effect.Effect<ActionRequest, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    if (options.blackbox && Option.isNone(options.image)) {
      return yield* new UsageError({ message: "--blackbox needs the user's image: add --image IMAGE" })
    }
    if (!options.blackbox && Option.isNone(options.action)) {
      return yield* new UsageError({
        message: "Name the action to invoke: a .js file, a folder or a .zip archive (for example: invoke examples/hello.js)"
      })
    }
    if (options.main.trim().length === 0) {
      return yield* new UsageError({ message: "--main must name the action's entry point, such as main" })
    }
    const checked = yield* Either.all({
      params: Parameters.combine(Option.getOrUndefined(options.paramsJson), options.param),
      image: sequence(Option.map(options.image, image)),
      memory: memory(options.memory),
      timeout: DurationText.parse("--timeout", options.timeout),
      logLimit: byteSize("--log-limit", options.logLimit, "10m"),
      maxResponse: positiveSize("--max-response", options.maxResponse, "1m"),
      network: sequence(Option.map(options.network, network)),
      environment: environment(options.env)
    })
    const action = yield* Option.match(options.action, {
      onNone: () => Effect.succeed(Option.none<ActionSource.ActionSource>()),
      onSome: (location) => Effect.map(ActionSource.load(location), Option.some)
    })
    return {
      ...checked,
      action,
      main: options.main,
      blackbox: options.blackbox,
      json: options.json
    } satisfies ActionRequest
  })

/** Checks the `invoke` command line and reads the action; every problem is a UsageError that says what to change. */
export const toRequest = (
  options: InvokeOptions
): Effect.Effect<InvokeRequest, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    if (options.noSuspend) {
      return yield* new UsageError({
        message: "--no-suspend is gone: the pool suspends a container only after it was idle for --pause-grace " +
          "(10s by default), so --repeat runs back to back; --pause-grace 0 suspends between activations"
      })
    }
    if (options.keep) {
      return yield* new UsageError({
        message: "--keep is gone: the pool removes every container it made when the command ends; to look into a " +
          "running container, use --repeat with a long action, or run the image yourself with docker run"
      })
    }
    const checked = yield* Either.all({
      repeat: count("--repeat", options.repeat, "10"),
      pauseGrace: pauseGrace(options.pauseGrace)
    })
    const request = yield* toActionRequest(options)
    return { ...request, ...checked } satisfies InvokeRequest
  })

