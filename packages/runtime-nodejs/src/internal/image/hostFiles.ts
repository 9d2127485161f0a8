import { constants } from "node:fs"
import { access, realpath } from "node:fs/promises"
import { delimiter, join } from "node:path"
import { runCommand } from "./command.js"
import { RuntimeImageBuildError } from "./imageError.js"

/** Finds the host files that go into the FROM-scratch image: node, its shared libraries, a static busybox. */

const lookupTimeoutMs = 30_000
const installTimeoutMs = 600_000

const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false
  )

/** `command -v node` with symlinks resolved; the running node when PATH has none. */
export const findNodeBinary = async (): Promise<string> => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, "node")
    if (await isExecutable(candidate)) return realpath(candidate)
  }
  return realpath(process.execPath)
}

/** `node --version`; the running node's own `process.version` when it is that binary (no process to start). */
export const nodeVersion = async (node: string, signal?: AbortSignal): Promise<string> => {
  if (node === (await realpath(process.execPath))) return process.version
  const result = await runCommand(node, ["--version"], { timeoutMs: lookupTimeoutMs, signal })
  if (result.exitCode !== 0) {
    throw new RuntimeImageBuildError("NodeNotFound", `${node} --version failed: ${result.stderr.trim()}`)
  }
  return result.stdout.trim()
}

/** The paths `ldd` lists for a binary (dynamic loader included, vdso excluded); [] for a static binary. */
export const sharedLibraries = async (binary: string, signal?: AbortSignal): Promise<Array<string>> => {
  const result = await runCommand("ldd", [binary], { timeoutMs: lookupTimeoutMs, signal }).catch((cause) => {
    throw cause instanceof RuntimeImageBuildError
      ? cause
      : new RuntimeImageBuildError("LibraryNotFound", `Could not run ldd on ${binary}: ${String(cause)}`, { cause })
  })
  const output = result.stdout + result.stderr
  if (/not a dynamic executable|statically linked/.test(output)) return []
  if (result.exitCode !== 0) {
    throw new RuntimeImageBuildError("LibraryNotFound", `ldd ${binary} failed: ${output.trim()}`)
  }
  const missing = output.split("\n").filter((line) => line.includes("=> not found"))
  if (missing.length > 0) {
    throw new RuntimeImageBuildError(
      "LibraryNotFound",
      `${binary} needs libraries that are not installed: ${missing.map((line) => line.trim()).join(", ")}`
    )
  }
  return output
    .split("\n")
    .map((line) => /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined)
}

const busyboxPath = "/bin/busybox"

const isStaticBusybox = async (signal?: AbortSignal) =>
  (await isExecutable(busyboxPath)) && (await sharedLibraries(busyboxPath, signal)).length === 0

const aptGet = (args: ReadonlyArray<string>, onLine?: (line: string) => void, signal?: AbortSignal) =>
  runCommand("apt-get", args, {
    timeoutMs: installTimeoutMs,
    signal,
    onLine,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  }).catch((cause: unknown) => (cause instanceof RuntimeImageBuildError ? Promise.reject(cause) : undefined))

/** Debian's busybox-static at /bin/busybox, installed with apt-get when missing and running as root. */
export const ensureStaticBusybox = async (onLine?: (line: string) => void, signal?: AbortSignal) => {
  if (await isStaticBusybox(signal)) return busyboxPath
  if (process.getuid?.() === 0) {
    const install = ["install", "-y", "--no-install-recommends", "busybox-static"]
    const first = await aptGet(install, onLine, signal)
    if (first?.exitCode !== 0) {
      await aptGet(["update"], onLine, signal)
      await aptGet(install, onLine, signal)
    }
    if (await isStaticBusybox(signal)) return busyboxPath
  }
  throw new RuntimeImageBuildError(
    "BusyboxUnavailable",
    `No static busybox at ${busyboxPath}: install Debian's busybox-static package ` +
      "(apt-get install busybox-static, as root)."
  )
}
