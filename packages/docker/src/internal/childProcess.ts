import { type ChildProcess, spawn } from "node:child_process"
import { Data, Effect } from "effect"

/**
 * The program could not be started (not found, not executable, …).
 *
 * @internal
 */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{ readonly cause: unknown }> {}

/**
 * The program did not end within its time and was killed.
 *
 * @internal
 */
export class TimedOut extends Data.TaggedError("TimedOut")<{}> {}

/**
 * How a program ended: its exit code, or the signal that ended it (the code is null then), and its stderr.
 *
 * @internal
 */
export interface Ended {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

/** Error messages are short; a program that floods stderr must not grow the heap without bound. */
const stderrLimit = 64 * 1024

/** setTimeout takes at most a signed 32-bit number of milliseconds (a longer delay fires at once). */
const longestTimer = 2 ** 31 - 1

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

/** The whole group (the child leads it), so that nothing the program started survives it. */
const killGroup = (child: ChildProcess, pid: number) => {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    child.kill("SIGKILL")
  }
}

const killAndAwaitExit = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async((resume) => {
    // No pid: the program never started, so there is nothing to kill.
    if (child.pid === undefined) return resume(Effect.void)
    // Even after the program's exit: what it started may still hold its stderr open.
    killGroup(child, child.pid)
    if (hasExited(child)) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/**
 * Runs a program (no shell; stdin and stdout ignored) to its end, killing it when it takes longer than
 * `timeoutMillis` (Infinity: no limit). A timeout or an interruption kills the program's process group with SIGKILL
 * and waits for its exit, so no process outlives the effect.
 *
 * This is node:child_process and not @effect/platform's Command: on a 2-core machine Command's process and output
 * Streams cost several milliseconds of CPU per run, which made `runc pause` + `runc resume` 1.3× slower than
 * spawning runc directly (the benchmark's figure 2). The timeout is a timer here for the same reason:
 * `Effect.timeout` forks two fibers per run, which cost another millisecond.
 *
 * @internal
 */
export const runProcess = (
  file: string,
  args: ReadonlyArray<string>,
  timeoutMillis: number
): Effect.Effect<Ended, SpawnFailed | TimedOut> =>
  Effect.async((resume) => {
    if (timeoutMillis <= 0) return resume(Effect.fail(new TimedOut()))
    let child: ChildProcess
    try {
      child = spawn(file, args, { stdio: ["ignore", "ignore", "pipe"], detached: true })
    } catch (cause) {
      return resume(Effect.fail(new SpawnFailed({ cause })))
    }
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const settle = (result: Effect.Effect<Ended, SpawnFailed | TimedOut>) => {
      if (!settled) {
        settled = true
        clearTimeout(timer)
        resume(result)
      }
    }
    if (Number.isFinite(timeoutMillis)) {
      timer = setTimeout(
        () => settle(Effect.zipRight(killAndAwaitExit(child), Effect.fail(new TimedOut()))),
        Math.min(timeoutMillis, longestTimer)
      )
    }
    let stderr = ""
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      if (stderr.length < stderrLimit) stderr += text.slice(0, stderrLimit - stderr.length)
    })
    // Before the start, "error" means it failed; later ones (a failed kill) change nothing and must not throw.
    child.on("error", (cause) => settle(Effect.fail(new SpawnFailed({ cause }))))
    child.once("close", (exitCode: number | null, signal: NodeJS.Signals | null) =>
      settle(Effect.succeed({ exitCode, signal, stderr })))
    return Effect.suspend(() => {
      clearTimeout(timer)
      return settled ? Effect.void : killAndAwaitExit(child)
    })
  })
