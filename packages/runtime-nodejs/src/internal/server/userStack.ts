import { describeThrown } from "./protocol.js"

/**
 * Where the user's code lives, so that a stack can be told in its terms: the path of a file relative to the action
 * (`action.js` for plain code, `lib/entry.js` in an archive), or undefined for the runtime's own files and node's.
 */
export type ActionFiles = (file: string, line: number) => string | undefined

/** The one file of plain code of `lines` lines, shown as `action.js` (the lines after it are the runtime's wrapper). */
export const sourceFile = (path: string, lines: number): ActionFiles => (file, line) =>
  file === path && line <= lines ? "action.js" : undefined

/** Every file under the folder an archive was extracted to, by its path inside the archive. */
export const archiveFolder = (folder: string): ActionFiles => (file) =>
  file.startsWith(`${folder}/`) ? file.slice(folder.length + 1) : undefined

/** Nothing is the user's (before the code was loaded). */
export const noFiles: ActionFiles = () => undefined

// "    at name (file:line:column)" or "    at file:line:column".
const framePattern = /^(\s+at (?:.*? \()?)(.+?):(\d+):(\d+)(\)?)$/

/** The frames of a stack that point into the user's files, rewritten to their paths inside the action. */
export const userFrames = (stack: string, files: ActionFiles): Array<string> =>
  stack.split("\n").flatMap((line) => {
    const match = framePattern.exec(line)
    if (match === null) return []
    const [, head, file, row, column, tail] = match
    const relative = files(file!, Number(row))
    return relative === undefined ? [] : [`    ${head!.trimStart()}${relative}:${row}:${column}${tail}`]
  })

// V8's stack of a SyntaxError from compiling a file starts with "<file>:<line>", the source line and a caret line.
const syntaxHeader = /^(.+):(\d+)\n(.*)\n( *)\^*/

/** `file:line:column` of a SyntaxError in the user's files (column 1 when V8 shows no caret, as at end of input). */
const syntaxLocation = (stack: string, files: ActionFiles): string | undefined => {
  const match = syntaxHeader.exec(stack)
  if (match === null) return undefined
  const relative = files(match[1]!, Number(match[2]))
  if (relative === undefined) return undefined
  const caret = stack.split("\n")[2] ?? ""
  return `${relative}:${match[2]}:${caret.includes("^") ? match[4]!.length + 1 : 1}`
}

const isError = (value: unknown): value is Error =>
  typeof value === "object" && value !== null && typeof (value as Error).stack === "string" &&
  typeof (value as Error).message === "string"

/**
 * An error as the user needs it: `Name: message`, then where in the user's files it happened (a syntax error's
 * file:line:column, the user's frames of any other error), never the runtime's frames. A thrown non-Error is
 * told as String() tells it.
 */
export const describeError = (error: unknown, files: ActionFiles): string => {
  if (!isError(error)) return describeThrown(error)
  const heading = `${error.name}: ${error.message}`
  const stack = error.stack ?? ""
  const location = error instanceof SyntaxError ? syntaxLocation(stack, files) : undefined
  const frames = location === undefined ? userFrames(stack, files) : [`    at ${location}`]
  return [heading, ...frames].join("\n")
}

/** The stack of an error value kept in a result (a rejection's reason): its heading and the user's frames. */
export const userStack = (stack: string, files: ActionFiles): string => {
  const heading = stack.split("\n").filter((line) => !framePattern.test(line)).join("\n")
  return [heading, ...userFrames(stack, files)].join("\n")
}
