import { Errors } from "@effect-whisk/core"

/** @internal */
export const logFileError = (path: string, error: NodeJS.ErrnoException): Errors.LogFileError =>
  new Errors.LogFileError({
    path,
    reason: error.code === "ENOENT" || error.code === "ENOTDIR"
      ? "NotFound"
      : error.code === "EACCES" || error.code === "EPERM"
      ? "PermissionDenied"
      : error.code === "EISDIR"
      ? "NotAFile"
      : "Unreadable",
    cause: error
  })
