import { existsSync, realpathSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import * as vm from "node:vm"
import { archiveMessages, detectArchiveKind, extractArchive } from "./archive.js"
import { type ActionFiles, archiveFolder, noFiles, sourceFile } from "./userStack.js"

/** The user's entry point. */
export type ActionHandler = (params: object) => unknown

/** The part of the /init `value` that selects and loads the code. */
export interface ActionSource {
  readonly main: string
  readonly code: string
  readonly binary: boolean
}

// Failures are bare strings like upstream's, so "Initialization has failed due to: <text>" has no stack in it.
const notAFunction = (main: string) => `Action entrypoint '${main}' is not a function.`
const invalidMain = "Name of main function is not valid."
const missingEntry = "Zipped actions must contain either package.json or index.js at the root."

const assertFunction = (candidate: unknown, main: string): ActionHandler => {
  if (typeof candidate !== "function") throw notAFunction(main)
  return candidate as ActionHandler
}

const commonJsNames = ["require", "module", "exports", "__filename", "__dirname"]

/**
 * Plain code runs like upstream's eval wrapper: the code and `return <main>` inside a sloppy-mode function, falling
 * back to `module.exports.<main>` on a ReferenceError. `require`, `module` and `exports` are provided like
 * CommonJS; the inner function lets the code redeclare them. The code is first compiled alone, so that a syntax
 * error points into it rather than into the wrapper; the wrapper is compiled as the file `<cwd>/action.js` with
 * the code from its line 1, so that stacks name the user's lines.
 */
const loadSource = (source: ActionSource, filename: string): ActionHandler => {
  const { code, main } = source
  vm.compileFunction(code, commonJsNames, { filename })
  const wrapper = [
    `(function (${commonJsNames.join(", ")}) { return (function () {`,
    code,
    "try {",
    `  return ${main}`,
    "} catch (e) {",
    "  if (e.name === 'ReferenceError') {",
    `    return module.exports.${main} || exports.${main}`,
    "  } else throw e",
    "}",
    "})() })"
  ].join("\n")
  const compiled = new vm.Script(wrapper, { filename, lineOffset: -1 }).runInThisContext() as (
    ...args: ReadonlyArray<unknown>
  ) => unknown
  const module = { exports: {} }
  return assertFunction(
    compiled(createRequire(filename), module, module.exports, filename, process.cwd()),
    main
  )
}

/** "fn" → [undefined, "fn"]; "file.fn.x" → ["file", "fn.x"] (upstream's splitMainHandler). */
const splitMain = (main: string): [string | undefined, string] | undefined => {
  const match = /^([^.]+)$|^([^.]+)\.(.+)$/.exec(main)
  if (match === null) return undefined
  const name = match[3] ?? match[1]
  return name === undefined ? undefined : [match[2], name]
}

const property = (from: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], from)

const requireModule = createRequire(import.meta.url)

/** A base64 zip or tar.gz: extracted into a temp dir that becomes the cwd, then `require`d (CommonJS). */
const loadArchive = async (source: ActionSource, enter: (files: ActionFiles) => void): Promise<ActionHandler> => {
  const kind = detectArchiveKind(source.code)
  if (kind === undefined) throw archiveMessages.unsupported
  const moduleDir = await extractArchive(source.code, kind)
  enter(archiveFolder(realpathSync(moduleDir)))
  const parts = splitMain(source.main)
  if (parts === undefined) throw invalidMain
  const [file, name] = parts
  process.chdir(moduleDir)
  if (file === undefined && !existsSync("package.json") && !existsSync("index.js")) throw missingEntry
  const exported: unknown = requireModule(file === undefined ? moduleDir : join(moduleDir, file))
  return assertFunction(property(exported, name), source.main)
}

/** The user's entry point, and which files are the user's (to tell stacks in the user's terms). */
export interface LoadedAction {
  readonly handler: ActionHandler
  readonly files: ActionFiles
}

/** Loading the code failed with `cause` (an Error or upstream's message string); `files` are the user's. */
export class ActionLoadFailure {
  constructor(readonly cause: unknown, readonly files: ActionFiles) {}
}

export const loadAction = async (source: ActionSource): Promise<LoadedAction> => {
  let files = noFiles
  try {
    if (source.binary) {
      const handler = await loadArchive(source, (extracted) => (files = extracted))
      return { handler, files }
    }
    const filename = join(process.cwd(), "action.js")
    // One more line than the code has: V8 places an error at the end of the input there.
    files = sourceFile(filename, source.code.split("\n").length + 1)
    return { handler: loadSource(source, filename), files }
  } catch (cause) {
    throw new ActionLoadFailure(cause, files)
  }
}
