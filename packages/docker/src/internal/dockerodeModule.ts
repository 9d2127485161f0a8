import type Docker from "dockerode"
import Module, { createRequire } from "node:module"

/**
 * A stand-in for a CommonJS module whose export is a function: a loaded entry in `require.cache` at the module's
 * own filename, so that a `require` of that file returns the stand-in, which loads the real module on its first call
 * and delegates every call to it. Nothing happens when the module is already loaded.
 *
 * @internal
 */
export const deferFunctionModule = (filename: string): void => {
  const cache = createRequire(filename).cache
  if (cache[filename] !== undefined) return
  let real: ((...args: Array<unknown>) => unknown) | undefined
  const standIn = function(this: unknown, ...args: Array<unknown>): unknown {
    if (real === undefined) {
      if (cache[filename] === entry) delete cache[filename]
      real = createRequire(filename)(filename) as (...args: Array<unknown>) => unknown
    }
    return real.apply(this, args)
  }
  const entry = new Module(filename)
  entry.filename = filename
  entry.exports = standIn
  entry.loaded = true
  cache[filename] = entry
}

// Only the versions whose two modules are known to export one function each.
const isMajor = (major: number, packageJson: () => unknown): boolean => {
  try {
    const version = (packageJson() as { version?: unknown }).version
    return typeof version === "string" && version.split(".")[0] === String(major)
  } catch {
    return false
  }
}

/**
 * Loads dockerode with the two modules it requires at load time for features effect-whisk never uses on its path
 * deferred to their first call. `dockerode/lib/session.js` (BuildKit sessions) loads @grpc/grpc-js,
 * @grpc/proto-loader and protobufjs, and `docker-modem/lib/ssh.js` loads ssh2 (needed only for an `ssh://`
 * `DOCKER_HOST`, which then gets it on its first connection): together 80–100 ms of every command's start here,
 * `require("dockerode")` 110–135 ms with them and 25–40 ms without. Another dockerode or docker-modem major version,
 * a path that does not resolve, or a dockerode already loaded (a test's own import) means the plain load.
 *
 * @internal
 */
export const load = (): typeof Docker => {
  const require = createRequire(import.meta.url)
  const main = require.resolve("dockerode")
  if (require.cache[main] === undefined) {
    const fromDockerode = createRequire(main)
    if (isMajor(5, () => fromDockerode("../package.json"))) {
      tryDefer(() => fromDockerode.resolve("./session.js"))
      if (isMajor(5, () => fromDockerode("docker-modem/package.json"))) {
        tryDefer(() => createRequire(fromDockerode.resolve("docker-modem")).resolve("./ssh.js"))
      }
    }
  }
  return require(main) as typeof Docker
}

const tryDefer = (filename: () => string): void => {
  let resolved: string
  try {
    resolved = filename()
  } catch {
    return
  }
  deferFunctionModule(resolved)
}
