// An esbuild plugin for the command's bundle: `import { Effect, Stream } from "effect"` becomes
// `import * as Effect from "effect/Effect"; import * as Stream from "effect/Stream"` in our own sources. esbuild
// keeps a module's every export when one of its `export * as X` re-exports is imported by name from a barrel (it
// builds the namespace object X), so the barrel imports kept all of Schema, Stream, @effect/cli's file parsers (yaml,
// toml) and more in the bundle, which every command then compiles at its start. Names a barrel re-exports otherwise
// (`pipe`) and type-only names stay as they were.
import { readFile } from "node:fs/promises"
import { dirname } from "node:path"

/** The barrels whose `export * as` names are rewritten. */
const barrels = new Set([
  "effect",
  "@effect/cli",
  "@effect/platform",
  "@effect-whisk/core",
  "@effect-whisk/logs",
  "@effect-whisk/docker",
  "@effect-whisk/pool"
])

const importDeclaration = /^import\s+(type\s+)?\{([^}]*)\}\s*from\s*"([^"]+)";?[ \t]*$/gm
const namespaceReexport = /^export \* as (\w+) from "\.\/([\w/]+)\.js"/gm

/** @param {string} root only files under it are rewritten (the repository's packages/) */
export const deepImports = (root) => ({
  name: "deep-imports",
  setup(build) {
    /** barrel index file → Map(name → deep specifier) */
    const namespaces = new Map()
    const namespacesOf = async (specifier, resolveDir) => {
      const index = await build.resolve(specifier, { kind: "import-statement", resolveDir })
      if (index.errors.length > 0) return new Map()
      if (!namespaces.has(index.path)) {
        const text = await readFile(index.path, "utf8")
        const names = new Map()
        for (const [, name, module] of text.matchAll(namespaceReexport)) names.set(name, `${specifier}/${module}`)
        namespaces.set(index.path, names)
      }
      return namespaces.get(index.path)
    }

    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(root) || args.path.includes("/node_modules/")) return undefined
      const source = await readFile(args.path, "utf8")
      const resolveDir = dirname(args.path)
      const replacements = []
      for (const match of source.matchAll(importDeclaration)) {
        const [text, typeOnly, list, specifier] = match
        if (typeOnly !== undefined || !barrels.has(specifier)) continue
        const names = await namespacesOf(specifier, resolveDir)
        const kept = []
        const deep = []
        for (const entry of list.split(",").map((item) => item.trim()).filter((item) => item !== "")) {
          const [, name, local] = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(entry) ?? []
          const module = name === undefined ? undefined : names.get(name)
          if (module === undefined) kept.push(entry)
          else deep.push(`import * as ${local ?? name} from "${module}";`)
        }
        if (deep.length === 0) continue
        const rest = kept.length === 0 ? "" : `import { ${kept.join(", ")} } from "${specifier}";`
        // One line for one: the line numbers of the rest of the file stay.
        replacements.push([match.index, text.length, `${rest}${deep.join("")}${"\n".repeat(text.split("\n").length - 1)}`])
      }
      if (replacements.length === 0) return undefined
      let contents = source
      for (const [at, length, text] of replacements.reverse()) contents = contents.slice(0, at) + text + contents.slice(at + length)
      return { contents, loader: "ts", resolveDir }
    })
  }
})
