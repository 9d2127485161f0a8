import type { ActionSource } from "./actionSource.js"

// The runtime tells an error in the action's terms: the message, then frames such as "at main (action.js:3:9)" or
// "at lib/helper.js:2:5" (a path inside the archive). These turn them into the paths the user gave.

const framePattern = /^(\s+at (?:.*? \()?)(.+?)(:\d+:\d+\)?)$/

/** A path the runtime named, as the user knows it: the .js file given, a file in the folder, a file in the zip. */
const userPath = (action: ActionSource, file: string): string => {
  switch (action.kind) {
    case "source":
      return file === "action.js" ? action.location : file
    case "folder":
      return `${action.location.replace(/\/+$/, "")}/${file}`
    case "zip":
      return `${action.location}/${file}`
  }
}

/** Each frame of an error text pointed at the user's own files. */
export const inUserPaths = (text: string, action: ActionSource | undefined): string =>
  action === undefined ? text : text.split("\n").map((line) => {
    const match = framePattern.exec(line)
    return match === null ? line : `${match[1]}${userPath(action, match[2]!)}${match[3]}`
  }).join("\n")

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The error of a result that is only an error: `{ error: "text" }` (the runtime's answer to a failed /init or a
 * throw) or `{ error: { message, stack } }` (a rejection) gives its text; any other result gives undefined.
 */
export const errorText = (result: unknown): string | undefined => {
  if (!isRecord(result) || Object.keys(result).length !== 1) return undefined
  const error = result["error"]
  if (typeof error === "string") return error
  if (isRecord(error) && typeof error["stack"] === "string") return error["stack"]
  return undefined
}
