import type { ActionSource, LoadedAction } from "./actionLoader.js"
import { ActionLoadFailure, loadAction } from "./actionLoader.js"
import { exportActivationContext, exportInitEnv } from "./activationEnv.js"
import { invokeAction } from "./invokeAction.js"
import type { Reply, RuntimeStatus } from "./protocol.js"
import { activationSentinel, describeThrown, errorReply, messages, reply } from "./protocol.js"
import { describeError } from "./userStack.js"

/** The /init and /run state machine of upstream's service.js, with the stuck-`running` flaw fixed. */
export interface ActionService {
  readonly init: (body: unknown) => Promise<Reply>
  readonly run: (body: unknown) => Promise<Reply>
}

export interface ActionServiceOptions {
  /** `__OW_ALLOW_CONCURRENT` is "true": overlapping /run calls are all served. */
  readonly allowConcurrent: boolean
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const fieldsOf = (value: unknown): Readonly<Record<string, unknown>> => (isRecord(value) ? value : {})

/** `body.value || {}` and upstream's "non-empty strings" test for `main` and `code`. */
const actionSourceOf = (body: unknown): (ActionSource & { readonly env: unknown }) | undefined => {
  const message = fieldsOf(fieldsOf(body)["value"])
  const { main, code, binary, env } = message
  if (typeof main !== "string" || typeof code !== "string" || main === "" || code === "") return undefined
  return { main, code, binary: Boolean(binary), env }
}

// Sync writes (pipes and files are synchronous on Linux), so they land after everything the action printed.
const writeSentinels = (): void => {
  process.stdout.write(`${activationSentinel}\n`)
  process.stderr.write(`${activationSentinel}\n`)
}

// Upstream's `error.stack ? String(error.stack) : error`, with the stack told in the user's files (a syntax
// error's file:line:column, the user's frames), safe for values String() cannot convert.
const describeInitFailure = (error: unknown): string => {
  if (error instanceof ActionLoadFailure) return describeError(error.cause, error.files)
  const stack = typeof error === "object" && error !== null ? (error as { stack?: unknown }).stack : undefined
  return describeThrown(stack ? stack : error)
}

const refuse = (message: string): Reply => {
  console.error("Internal system error:", message)
  return errorReply(403, message)
}

export const makeActionService = (options: ActionServiceOptions): ActionService => {
  let status: RuntimeStatus = "ready"
  let action: LoadedAction | undefined
  // `stopped` is terminal: the platform destroys such a container.
  const setStatus = (next: RuntimeStatus) => {
    if (status !== "stopped") status = next
  }

  const initialize = async (source: ActionSource & { readonly env: unknown }): Promise<Reply> => {
    try {
      exportInitEnv(source.env)
      action = await loadAction(source)
      setStatus("ready")
      return reply(200, { OK: true })
    } catch (error) {
      const description = describeInitFailure(error)
      console.error("Error during initialization:", description)
      writeSentinels()
      setStatus("stopped")
      return errorReply(502, messages.initializationFailed(description))
    }
  }

  const init = async (body: unknown): Promise<Reply> => {
    if (action !== undefined) return refuse(messages.cannotReinitialize)
    if (status !== "ready") return refuse(messages.notReady(status))
    setStatus("starting")
    const source = actionSourceOf(body)
    if (source === undefined) {
      setStatus("ready")
      return errorReply(403, messages.missingCode)
    }
    return initialize(source)
  }

  const execute = async (loaded: LoadedAction, message: Readonly<Record<string, unknown>>, params: object) => {
    if (!options.allowConcurrent) setStatus("running")
    exportActivationContext(message)
    const invocation = await invokeAction(loaded.handler, params, loaded.files)
    if (invocation._tag === "Threw") {
      // The message, then where in the user's code it was thrown.
      const description = describeError(invocation.error, loaded.files)
      console.error(description)
      writeSentinels()
      setStatus("stopped")
      return errorReply(502, messages.actionThrew(description))
    }
    if (!options.allowConcurrent) setStatus("ready")
    const { result } = invocation
    if (typeof result !== "object") {
      console.error(`Result must be of type object but has type "${typeof result}":`, result)
      writeSentinels()
      return errorReply(502, messages.notADictionary)
    }
    writeSentinels()
    return reply(200, result)
  }

  const run = async (body: unknown): Promise<Reply> => {
    const loaded = action
    if (loaded === undefined) return refuse(messages.notInitialized)
    if (status !== "ready") return refuse(messages.notReady(status))
    const message = fieldsOf(body)
    const params = message["value"] ?? {}
    // Checked before the status moves to `running`: upstream left it there for good (R9).
    if (typeof params !== "object") {
      return refuse(messages.argumentNotADictionary(typeof params))
    }
    return execute(loaded, message, params)
  }

  return { init, run }
}
