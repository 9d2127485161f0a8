// `npm run bundle -w @effect-whisk/cli [-- <outdir>]`: the command as a few files in bundle/ (what bin/effect-whisk.js runs when
// present). start.js holds only the command line's check and help; the rest is a chunk loaded for a command that
// runs, with Effect tree-shaken. dockerode (CommonJS with optional native parts) and the runtime package (it finds
// its compiled server next to itself) stay dependencies.
import { build } from "esbuild"
import { rm } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { deepImports } from "./deepImports.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const outdir = process.argv[2] ?? `${root}bundle`

await rm(outdir, { recursive: true, force: true })
await build({
  entryPoints: [`${root}src/start.ts`],
  outdir,
  bundle: true,
  splitting: true,
  minify: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["source"],
  external: ["dockerode", "@effect-whisk/runtime-nodejs", "@effect-whisk/runtime-nodejs/*"],
  // CommonJS dependencies inside the bundle require node's modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [deepImports(fileURLToPath(new URL("../..", import.meta.url)))],
  logLevel: "warning"
})
