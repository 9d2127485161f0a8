/**
 * An action as the pool runs it: what its container is created and initialised from, and its limits. Two
 * activations share a container only when their actions have the same identity (P2).
 *
 * @since 0.1.0
 */
import { ByteSize } from "@effect-whisk/core"
import { Duration } from "effect"
import * as ActivationContext from "./ActivationContext.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Action {
  /** The action's name, without its namespace: `hello`. */
  readonly name: string
  /** Default `guest`. */
  readonly namespace?: string
  /** The code version: a container never serves another version (PT35). Default `0.0.1`. */
  readonly version?: string
  /** The runtime image (a managed kind) or the action's own image (`blackbox`). */
  readonly image: string
  /** A user-provided image: pulled by the rules of B6, never given a prewarm (P16). Default false. */
  readonly blackbox?: boolean
  /** The code /init receives; a blackbox image may need none. */
  readonly code?: string
  /** The code is base64 (a zip). Default false. */
  readonly binary?: boolean
  /** The entry point. Default `main`. */
  readonly main?: string
  /** Variables /init puts into the action's environment, next to the `__OW_*` ones. */
  readonly environment?: Readonly<Record<string, string>>
  /** Default 256 MB (`whisk.memory.std`). At least 1 byte: `invoke` refuses 0 (PoolError InvalidAction). */
  readonly memory?: ByteSize.ByteSize
  /** The time limit of /init and of /run. Default 1 minute (`whisk.time-limit.std`). At least 1 ms, finite. */
  readonly timeout?: Duration.DurationInput
  /** Default 10 MB (`whisk.log-limit.std`); 0 collects no logs (PX8). */
  readonly logLimit?: ByteSize.ByteSize
  /** Activations one container runs at once (P14). Default 1; a whole number of at least 1. */
  readonly maxConcurrent?: number
  /** The largest answer /run may give. Default: the configured payload limit. */
  readonly maxResponse?: ByteSize.ByteSize
}

/**
 * An action with every default applied, and its identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly action: Action
  readonly name: string
  readonly namespace: string
  readonly version: string
  readonly image: string
  readonly blackbox: boolean
  readonly memory: ByteSize.ByteSize
  readonly timeout: Duration.Duration
  readonly logLimit: ByteSize.ByteSize
  readonly maxConcurrent: number
  /** Equal for two actions exactly when a container initialised for one may run the other (P2, PT29–PT35). */
  readonly identity: string
}

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaultMemory: ByteSize.ByteSize = ByteSize.megabytes(256)

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaultTimeout: Duration.Duration = Duration.minutes(1)

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaultLogLimit: ByteSize.ByteSize = ByteSize.megabytes(10)

const resolvedActions = new WeakMap<Action, Resolved>()

/**
 * The action with its defaults and identity: every field that changes what the container runs or how (name, code,
 * version, image, environment, memory and the other limits). Computed once per action object, so code of many
 * megabytes is not serialised on every activation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (action: Action): Resolved => {
  const known = resolvedActions.get(action)
  if (known !== undefined) return known
  const resolved = {
    action,
    name: action.name,
    namespace: action.namespace ?? ActivationContext.defaultNamespace,
    version: action.version ?? ActivationContext.defaultVersion,
    image: action.image,
    blackbox: action.blackbox ?? false,
    memory: action.memory ?? defaultMemory,
    timeout: Duration.decode(action.timeout ?? defaultTimeout),
    logLimit: action.logLimit ?? defaultLogLimit,
    maxConcurrent: Math.max(1, Math.floor(action.maxConcurrent ?? 1))
  }
  const identity = JSON.stringify([
    resolved.namespace,
    resolved.name,
    resolved.version,
    resolved.image,
    resolved.blackbox,
    action.code ?? null,
    action.binary ?? false,
    action.main ?? "main",
    Object.entries(action.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    resolved.memory.bytes,
    Duration.toMillis(resolved.timeout),
    resolved.logLimit.bytes,
    resolved.maxConcurrent,
    action.maxResponse?.bytes ?? null
  ])
  const result: Resolved = { ...resolved, identity }
  resolvedActions.set(action, result)
  return result
}
