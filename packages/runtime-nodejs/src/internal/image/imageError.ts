export type RuntimeImageBuildErrorReason =
  | "ServerNotCompiled"
  | "NodeNotFound"
  | "LibraryNotFound"
  | "BusyboxUnavailable"
  | "DockerUnavailable"
  | "BuildFailed"
  | "Interrupted"

/** Why the runtime image could not be built; `message` says what to do about it. */
export class RuntimeImageBuildError extends Error {
  readonly _tag = "RuntimeImageBuildError"
  readonly reason: RuntimeImageBuildErrorReason

  constructor(reason: RuntimeImageBuildErrorReason, message: string, options?: { readonly cause?: unknown }) {
    super(message, options)
    this.name = "RuntimeImageBuildError"
    this.reason = reason
  }
}
