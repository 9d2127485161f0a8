import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { archiveMessages, detectArchiveKind, extractArchive } from "./archive.js"

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

/**
 * Plain code runs like upstream's eval wrapper: the code and `return <main>` inside a sloppy-mode function, falling
 * back to `module.exports.<main>` on a ReferenceError. `require`, `module` and `exports` are provided like
 * CommonJS; the inner function lets the code redeclare them.
 */
const loadSource = (source: ActionSource): ActionHandler => {
  const { code, main } = source
  const body = [
    "return (function () {",
    code,
    "try {",
    `  return ${main}`,
    "} catch (e) {",
    "  if (e.name === 'ReferenceError') {",
    `    return module.exports.${main} || exports.${main}`,
    "  } else throw e",
    "}",
    "})()"
  ].join("\n")
  const wrapper = new Function("require", "module", "exports", "__filename", "__dirname", body)
  const filename = join(process.cwd(), "action.js")
  const module = { exports: {} }
  return assertFunction(
    wrapper(createRequire(filename), module, module.exports, filename, process.cwd()),
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
const loadArchive = async (source: ActionSource): Promise<ActionHandler> => {
  const kind = detectArchiveKind(source.code)
  if (kind === undefined) throw archiveMessages.unsupported
  const moduleDir = await extractArchive(source.code, kind)
  const parts = splitMain(source.main)
  if (parts === undefined) throw invalidMain
  const [file, name] = parts
  process.chdir(moduleDir)
  if (file === undefined && !existsSync("package.json") && !existsSync("index.js")) throw missingEntry
  const exported: unknown = requireModule(file === undefined ? moduleDir : join(moduleDir, file))
  return assertFunction(property(exported, name), source.main)
}

export const loadAction = async (source: ActionSource): Promise<ActionHandler> =>
  source.binary ? loadArchive(source) : loadSource(source)
