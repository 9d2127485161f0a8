import { Effect } from "effect"
import { spawn } from "node:child_process"

/**
 * How a process ended: its exit code (128 + the signal number when a signal ended it) and what it wrote to stderr.
 *
 * @internal
 */
export interface Exited {
  readonly exitCode: number
  readonly stderr: string
}

const signalNumbers: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

const killGroup = (pid: number | undefined) => {
  if (pid === undefined) return
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // the group is gone already
  }
}

/**
 * Runs a process with node:child_process (no shell), in a process group of its own, and gives how it ended once its
 * stdio is closed. Interrupting the Effect (a timeout, a caller that left) kills the whole group with SIGKILL, so
 * nothing it started outlives it. Fails with the spawn's error when the process cannot be started.
 *
 * @internal
 */
export const spawnProcess = (binary: string, args: ReadonlyArray<string>): Effect.Effect<Exited, Error> =>
  Effect.async<Exited, Error>((resume) => {
    let settled = false
    const settle = (effect: Effect.Effect<Exited, Error>) => {
      if (settled) return
      settled = true
      resume(effect)
    }
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] })
    const chunks: Array<Buffer> = []
    child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk))
    child.on("error", (cause) => settle(Effect.fail(cause)))
    // "close" waits for stderr to end too: something the process started may hold it open after it exits, and then
    // the caller's deadline kills the group.
    child.on("close", (code, signal) =>
      settle(Effect.succeed({
        exitCode: code ?? 128 + (signal === null ? 0 : signalNumbers[signal] ?? 0),
        stderr: Buffer.concat(chunks).toString("utf8")
      })))
    return Effect.sync(() => {
      if (settled) return
      settled = true
      killGroup(child.pid)
    })
  })
