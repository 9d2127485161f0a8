import { type DockerEngine, Errors } from "@effect-whisk/core"
import { Effect, Stream } from "effect"

interface RawPullMessage {
  readonly status?: unknown
  readonly id?: unknown
  readonly progress?: unknown
  readonly progressDetail?: { readonly current?: unknown; readonly total?: unknown }
  readonly error?: unknown
  readonly errorDetail?: { readonly message?: unknown }
}

const toEvent = (message: RawPullMessage): DockerEngine.PullEvent => {
  const event: {
    status: string
    id?: string
    progress?: string
    current?: number
    total?: number
  } = { status: typeof message.status === "string" ? message.status : "" }
  if (typeof message.id === "string") event.id = message.id
  if (typeof message.progress === "string") event.progress = message.progress
  if (typeof message.progressDetail?.current === "number") event.current = message.progressDetail.current
  if (typeof message.progressDetail?.total === "number") event.total = message.progressDetail.total
  return event
}

const errorText = (message: RawPullMessage): string | undefined => {
  if (typeof message.errorDetail?.message === "string") return message.errorDetail.message
  if (typeof message.error === "string") return message.error
  return message.error === undefined && message.errorDetail === undefined ? undefined : JSON.stringify(message)
}

const parseLine = (image: string, line: string): Effect.Effect<DockerEngine.PullEvent, Errors.DockerEngineError> =>
  Effect.try({
    try: () => JSON.parse(line) as RawPullMessage,
    catch: (cause) =>
      new Errors.DockerEngineError({
        operation: "pull",
        target: image,
        reason: "InvalidResponse",
        description: `the progress stream has a line that is not JSON: ${line.slice(0, 200)}`,
        cause
      })
  }).pipe(
    Effect.flatMap((message) => {
      const error = errorText(message)
      return error === undefined
        ? Effect.succeed(toEvent(message))
        : Effect.fail(
          new Errors.DockerEngineError({ operation: "pull", target: image, reason: "PullFailed", description: error })
        )
    })
  )

/**
 * The engine's pull progress (JSON lines) as events. An error reported inside the stream fails it: dockerode's
 * followProgress would call that a success.
 *
 * @internal
 */
export const pullEvents = (image: string) =>
<E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<DockerEngine.PullEvent, E | Errors.DockerEngineError, R> =>
  bytes.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim().length > 0),
    Stream.mapEffect((line) => parseLine(image, line))
  )
