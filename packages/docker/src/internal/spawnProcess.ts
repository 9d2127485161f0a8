import { Effect } from "effect"
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"

/**
 * How a process ended: its exit code (128 + the signal number when a signal ended it) and what it wrote to stderr.
 *
 * @internal
 */
export interface Exited {
  readonly exitCode: number
  readonly stderr: string
}

/**
 * The process did not end within its time and was killed.
 *
 * @internal
 */
export class TimedOut {
  readonly _tag = "TimedOut"
}

const signalNumbers: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

const numericEntries = (directory: string): Array<string> => {
  try {
    return readdirSync(directory).filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
}

const parentOf = (pid: string): string | undefined => {
  try {
    // The command name (in parentheses) may hold spaces: the fields after it are fixed.
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]
  } catch {
    return undefined
  }
}

/** The process and everything it started that is still its descendant. */
const descendants = (root: number): Set<number> => {
  const children = new Map<string, Array<string>>()
  for (const pid of numericEntries("/proc")) {
    const parent = parentOf(pid)
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  const found = new Set<number>([root])
  const queue = [String(root)]
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      found.add(Number(child))
      queue.push(child)
    }
  }
  return found
}

/** Processes whose environment carries the marker (whatever their parent now is). */
const marked = (marker: string): Set<number> => {
  const found = new Set<number>()
  for (const pid of numericEntries("/proc")) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)) found.add(Number(pid))
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

const markerName = "EFFECT_WHISK_SPAWNED"
let spawned = 0

/**
 * Runs a process with node:child_process (no shell) and gives how it ended once its stdio is closed. When it does not
 * end within `timeoutMillis`, or the Effect is interrupted (a caller that left), it is killed with SIGKILL together
 * with what it started: its descendants, and the processes that carry its marker in their environment
 * (`EFFECT_WHISK_SPAWNED`), which finds one it started and left behind when it exited (one that still holds its
 * stderr open, say).
 *
 * The process stays in this process's session and process group: a session of its own (`detached`) would put it in a
 * scheduler autogroup of its own, which on a busy machine doubled the time a `runc --version` took (8 → 14 ms).
 *
 * @internal
 */
export const spawnProcess = (
  binary: string,
  args: ReadonlyArray<string>,
  timeoutMillis: number
): Effect.Effect<Exited, Error | TimedOut> =>
  Effect.async<Exited, Error | TimedOut>((resume) => {
    let settled = false
    const settle = (effect: Effect.Effect<Exited, Error | TimedOut>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const marker = `${markerName}=${process.pid}.${++spawned}\u0000`
    const child = spawn(binary, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, [markerName]: marker.slice(markerName.length + 1, -1) }
    })
    const chunks: Array<Buffer> = []
    child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk))
    child.on("error", (cause) => settle(Effect.fail(cause)))
    // "close" waits for stderr to end too: something the process started may hold it open after it exits, and then
    // the caller's deadline kills it.
    child.on("close", (code, signal) =>
      settle(Effect.succeed({
        exitCode: code ?? 128 + (signal === null ? 0 : signalNumbers[signal] ?? 0),
        stderr: Buffer.concat(chunks).toString("utf8")
      })))
    const kill = () => {
      const victims = child.pid === undefined ? new Set<number>() : descendants(child.pid)
      for (const pid of marked(marker)) victims.add(pid)
      for (const pid of victims) {
        try {
          process.kill(pid, "SIGKILL")
        } catch {
          // gone already
        }
      }
      child.stderr?.destroy()
    }
    // A plain timer rather than Effect.timeout: racing a fiber costs a scheduler round trip, a millisecond or more on
    // a busy machine, on every call.
    const timer = setTimeout(() => {
      if (settled) return
      kill()
      settle(Effect.fail(new TimedOut()))
    }, Math.max(0, timeoutMillis))
    return Effect.sync(() => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      kill()
    })
  })
