/**
 * The project's Node.js runtime image, built locally when it is missing or out of date. A service so that the
 * command can be tested without building images.
 *
 * @since 0.1.0
 */
import * as DockerodeEngine from "@effect-whisk/docker/DockerodeEngine"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { Context, Data, Effect, Layer, Option } from "effect"

/**
 * @since 0.1.0
 * @category errors
 */
export class RuntimeImageError extends Data.TaggedError("RuntimeImageError")<{
  readonly image: string
  readonly reason: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface EnsureOptions {
  /** Build even when the image is current. */
  readonly force: boolean
  /** Each line of build output. */
  readonly onProgress: (line: string) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The image reference the runtime is built as. */
  readonly image: string
  /** Builds the image unless it is current; `built` says whether anything was done. */
  readonly ensure: (options: EnsureOptions) => Effect.Effect<{ readonly image: string; readonly built: boolean }, RuntimeImageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RuntimeImage extends Context.Tag("@effect-whisk/cli/RuntimeImage")<RuntimeImage, Service>() {}

const describe = (cause: unknown): { reason: string; message: string } =>
  cause instanceof Error
    ? { reason: "reason" in cause && typeof cause.reason === "string" ? cause.reason : cause.name, message: cause.message }
    : { reason: "Unknown", message: String(cause) }

// The image's label over the engine's API (the engine DOCKER_HOST names, as the command's own engine), on the path
// of every `invoke`: a few milliseconds, where the docker CLI's inspect took tens.
const labelOf = (image: string, label: string, signal: AbortSignal): Promise<string | undefined> =>
  Effect.runPromise(
    DockerodeEngine.client.pipe(
      Effect.flatMap((docker) => DockerodeEngine.imageLabels(docker, image)),
      Effect.map((labels) => Option.getOrUndefined(Option.flatMapNullable(labels, (all) => all[label])))
    ),
    { signal }
  )

/**
 * Builds with `@effect-whisk/runtime-nodejs` (the docker CLI; whether the image is current is read over the engine's
 * API); interrupting the build kills it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RuntimeImage> = Layer.succeed(RuntimeImage, {
  image: imageTag,
  ensure: (options) =>
    Effect.tryPromise({
      try: (signal) => ensureRuntimeImage({ force: options.force, onProgress: options.onProgress, signal, labelOf }),
      catch: (cause) => new RuntimeImageError({ image: imageTag, ...describe(cause), cause })
    }).pipe(Effect.map(({ built, image }) => ({ built, image })))
})

/**
 * A runtime image that is always current (nothing is built), or fails with the given error.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (
  options: { readonly image?: string; readonly built?: boolean; readonly error?: RuntimeImageError } = {}
): Layer.Layer<RuntimeImage> => {
  const image = options.image ?? "effect-whisk/runtime-nodejs:test"
  return Layer.succeed(RuntimeImage, {
    image,
    ensure: () =>
      options.error === undefined ? Effect.succeed({ image, built: options.built ?? false }) : Effect.fail(options.error)
  })
}
