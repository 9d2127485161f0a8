import { Config, ConfigError, Duration, Either, Option } from "effect"
import * as ByteSize from "../ByteSize.js"

/** @internal */
export const duration = (name: string, fallback: Duration.Duration) => Config.withDefault(Config.duration(name), fallback)

/** @internal */
export const byteSize = (name: string, fallback: ByteSize.ByteSize) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => Either.mapLeft(ByteSize.parse(text), (error) => ConfigError.InvalidData([name], error.message))),
    Config.withDefault(fallback)
  )

/** @internal */
export const list = (name: string, fallback: ReadonlyArray<string>) =>
  Config.withDefault(Config.array(Config.string(), name), fallback)

/** A name the engine accepts in a container name or label. @internal */
export const engineName = (name: string) =>
  Config.nonEmptyString(name).pipe(
    Config.validate({
      message: "must start with a letter or digit and have only letters, digits, _, . and -",
      validation: (s) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s)
    })
  )

/** Every variable is `EFFECT_WHISK_<NAME>`. @internal */
export const prefixed = <A>(config: Config.Config<A>): Config.Config<A> => Config.nested(config, "EFFECT_WHISK")

type Leaf = Duration.Duration | Option.Option<unknown> | ReadonlyArray<unknown> | ByteSize.ByteSize

/**
 * A configuration with some fields replaced; a field that groups settings (`timeouts`) is merged one level deep.
 *
 * @internal
 */
export type Overrides<A> = {
  readonly [K in keyof A]?: A[K] extends Leaf ? A[K] : A[K] extends object ? Partial<A[K]> : A[K]
}

const isGroup = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype

/** @internal */
export const merge = <A extends object>(defaults: A, overrides: Overrides<A>): A => {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue
    const base = merged[key]
    merged[key] = isGroup(value) && isGroup(base) ? { ...base, ...value } : value
  }
  return merged as A
}
