import { execFile } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Compiles the package's src/ with tsc into a fresh directory, so tests run the current sources as the image
 * would (plain node, ESM) without touching the shared dist/. The .js output is byte-identical to dist/'s.
 */

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc")

export interface CompiledServer {
  readonly dir: string
  readonly remove: () => Promise<void>
}

export const compileServer = async (): Promise<CompiledServer> => {
  const dir = await mkdtemp(join(tmpdir(), "runtime-nodejs-compiled-"))
  const args = [tsc, "-p", join(packageRoot, "tsconfig.src.json"), "--outDir", dir, "--tsBuildInfoFile", join(dir, ".tsbuildinfo")]
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, args, { timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`tsc failed: ${stdout}${stderr}`, { cause: error })) : resolve()
    )
  )
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
