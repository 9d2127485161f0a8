import type { ChildProcessByStdio } from "node:child_process"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises"
import { createServer, connect } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import type { Readable } from "node:stream"
import type { Answer, RequestOptions } from "./http.js"
import { send } from "./http.js"

/** The runtime server as a child process on a free loopback port, in its own working directory. */
export interface RuntimeProcess {
  readonly cwd: string
  readonly post: (path: string, body?: unknown, options?: RequestOptions) => Promise<Answer>
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves once `stream` holds `text` at least `count` times; rejects after 10 s ("did not hang"). */
  readonly waitForOutput: (stream: "stdout" | "stderr", text: string, count?: number) => Promise<void>
  readonly signal: (signal: NodeJS.Signals) => void
  /** The exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>
  readonly stop: () => Promise<void>
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1

// unzip and tar of the PATH are busybox's, as in the image, when the host has a busybox.
const busyboxBin = async (cwd: string): Promise<Array<string>> => {
  if (!existsSync("/bin/busybox")) return []
  const bin = join(cwd, ".bin")
  await mkdir(bin)
  for (const applet of ["unzip", "tar", "gzip"]) await symlink("/bin/busybox", join(bin, applet))
  return [bin]
}

export const startRuntime = async (
  serverDir: string,
  env: Readonly<Record<string, string>> = {}
): Promise<RuntimeProcess> => {
  const cwd = await mkdtemp(join(tmpdir(), "runtime-nodejs-cwd-"))
  const port = await freePort()
  const path = [...(await busyboxBin(cwd)), process.env["PATH"] ?? ""].join(delimiter)
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [join(serverDir, "serverMain.js")],
    { cwd, env: { PATH: path, OW_PORT: String(port), OW_HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"] }
  )
  const output = { stdout: "", stderr: "" }
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output.stdout += text))
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output.stderr += text))
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))
  )
  let running = true
  void exited.then(() => (running = false))

  const waitUntil = async (ready: () => boolean | Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000
    while (!(await ready())) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}.\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`)
      }
      await sleep(10)
    }
  }

  const stop = async () => {
    if (running) child.kill("SIGKILL")
    await exited
    await rm(cwd, { recursive: true, force: true })
  }

  try {
    await waitUntil(async () => {
      if (!running) throw new Error(`The runtime exited before listening:\n${output.stderr}`)
      return canConnect(port)
    }, `the runtime to listen on port ${port}`)
  } catch (error) {
    await stop()
    throw error
  }

  return {
    cwd,
    post: (path, body, options) => send(port, path, body, options),
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitForOutput: (stream, text, count = 1) =>
      waitUntil(() => occurrences(output[stream], text) >= count, `${count} x "${text}" on ${stream}`),
    signal: (signal) => child.kill(signal),
    exited,
    stop
  }
}
