/**
 * What the platform tells an action about one activation: the fields of /run next to `value`, and the `__OW_*`
 * variables of the /init environment (action runtime protocol; PX36 without an API key, which effect-whisk has not).
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface ActivationContext {
  readonly namespace: string
  /** Fully qualified, with a leading slash: `/guest/hello`. */
  readonly actionName: string
  readonly actionVersion: string
  readonly activationId: string
  readonly transactionId: string
  /** Epoch milliseconds: now plus the action's timeout. */
  readonly deadline: number
}

/**
 * The namespace of an action that names none.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultNamespace = "guest"

/**
 * The version of an action that names none.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultVersion = "0.0.1"

/**
 * A 32-digit hexadecimal id, as OpenWhisk's activation and transaction ids are.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeId = (): string => {
  // A random UUID without its dashes, cut out by position: two ids per activation, and `replaceAll` took longer.
  const uuid = globalThis.crypto.randomUUID()
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  readonly namespace?: string
  readonly version?: string
  /** Default: a fresh id. */
  readonly activationId?: string
  /** Default: a fresh id. */
  readonly transactionId?: string
}

/**
 * The context of a new activation of `action` (its name without the namespace), due `timeout` from now on the Clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  action: string,
  timeout: Duration.DurationInput,
  options: MakeOptions = {}
): Effect.Effect<ActivationContext> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const namespace = options.namespace ?? defaultNamespace
    return {
      namespace,
      actionName: `/${namespace}/${action}`,
      actionVersion: options.version ?? defaultVersion,
      activationId: options.activationId ?? makeId(),
      transactionId: options.transactionId ?? makeId(),
      deadline: now + Duration.toMillis(Duration.decode(timeout))
    }
  })

/**
 * The fields sent next to `value` in /run; `deadline` is a string, as the invoker sends it.
 *
 * @since 0.1.0
 * @category encoding
 */
export const runFields = (context: ActivationContext): Record<string, string> => ({
  namespace: context.namespace,
  action_name: context.actionName,
  action_version: context.actionVersion,
  activation_id: context.activationId,
  transaction_id: context.transactionId,
  deadline: String(context.deadline)
})

/**
 * The `__OW_` variables of the /init payload's env, from the activation that caused the initialization (PX1).
 *
 * @since 0.1.0
 * @category encoding
 */
export const initEnvironment = (context: ActivationContext): Record<string, string> => ({
  __OW_NAMESPACE: context.namespace,
  __OW_ACTION_NAME: context.actionName,
  __OW_ACTION_VERSION: context.actionVersion,
  __OW_ACTIVATION_ID: context.activationId,
  __OW_TRANSACTION_ID: context.transactionId,
  __OW_DEADLINE: String(context.deadline)
})
