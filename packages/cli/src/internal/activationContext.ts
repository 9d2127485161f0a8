import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect } from "effect"

/** What the platform tells an action about one activation (R3 and R7). */
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

export const namespace = "guest"
const actionVersion = "0.0.1"

const hexId = () => randomUUID().replaceAll("-", "")

export const make = (action: string, timeout: Duration.Duration): Effect.Effect<ActivationContext> =>
  Effect.map(Clock.currentTimeMillis, (now) => ({
    namespace,
    actionName: `/${namespace}/${action}`,
    actionVersion,
    activationId: hexId(),
    transactionId: hexId(),
    deadline: now + Duration.toMillis(timeout)
  }))

/** The fields sent next to `value` in /run; `deadline` is a string, as the invoker sends it. */
export const runFields = (context: ActivationContext): Record<string, string> => ({
  namespace: context.namespace,
  action_name: context.actionName,
  action_version: context.actionVersion,
  activation_id: context.activationId,
  transaction_id: context.transactionId,
  deadline: String(context.deadline)
})

/** The `__OW_` variables of the /init payload's env, from the activation that caused the initialization. */
export const initEnvironment = (context: ActivationContext): Record<string, string> => ({
  __OW_NAMESPACE: context.namespace,
  __OW_ACTION_NAME: context.actionName,
  __OW_ACTION_VERSION: context.actionVersion,
  __OW_ACTIVATION_ID: context.activationId,
  __OW_TRANSACTION_ID: context.transactionId,
  __OW_DEADLINE: String(context.deadline)
})
