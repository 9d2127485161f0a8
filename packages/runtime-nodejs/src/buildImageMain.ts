import { ensureRuntimeImage } from "./ImageBuild.js"

/**
 * `node dist/buildImageMain.js [--force] [--verbose]`: builds the runtime image unless it is current and prints
 * one line saying which. --verbose streams the docker build output to stderr.
 */

const args = new Set(process.argv.slice(2))
const verbose = args.has("--verbose")

// Ctrl-C stops docker build through the signal, so the temporary build context is still removed.
const interrupt = new AbortController()
process.once("SIGINT", () => interrupt.abort())
process.once("SIGTERM", () => interrupt.abort())

ensureRuntimeImage({
  force: args.has("--force"),
  signal: interrupt.signal,
  ...(verbose ? { onProgress: (line: string) => process.stderr.write(`${line}\n`) } : {})
}).then(
  ({ image, built }) => console.log(built ? `built ${image}` : `${image} is current`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
)
