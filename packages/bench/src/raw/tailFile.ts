import { Messages } from "@effect-whisk/core"
import { close, type FSWatcher, open, read, watch } from "node:fs"
import { performance } from "node:perf_hooks"

const newline = 0x0a
const readSize = 64 * 1024

export interface TailResult {
  /** The lines before the sentinels, decoded, without their line ends. */
  readonly lines: ReadonlyArray<string>
  /** The offset right after the second sentinel line. */
  readonly end: number
  /** performance.now() when the second sentinel line was found. */
  readonly completedAt: number
}

export interface Tail {
  /** Resolves when the tail has read to the end of the file once and waits for more. */
  readonly ready: Promise<void>
  /** Resolves after two sentinel lines; rejects on an error or after `timeoutMs`. */
  readonly done: Promise<TailResult>
  /** Stops the tail (idempotent): the watcher, the poll timer and the file. */
  readonly stop: () => void
}

/**
 * An activation's lines from `from`, by hand with node:fs: fs.watch on the file and an fs.read from the offset on
 * every notification, a poll timer as the fallback; split at \n, decoded, ended by two sentinel lines.
 */
export const tailUntilSentinels = (path: string, from: number, pollMs: number, timeoutMs = 10_000): Tail => {
  let resolveReady!: () => void
  let resolveDone!: (result: TailResult) => void
  let rejectDone!: (error: unknown) => void
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  const done = new Promise<TailResult>((resolve, reject) => {
    resolveDone = resolve
    rejectDone = reject
  })
  // Stopped before anyone awaits it, the rejection is not an unhandled one.
  done.catch(() => {})
  const buffer = Buffer.allocUnsafe(readSize)
  const lines: Array<string> = []
  let fd: number | undefined
  let watcher: FSWatcher | undefined
  let readAt = from
  let pending = Buffer.alloc(0)
  let sentinels = 0
  let reading = false
  let again = false
  let finished = false

  const closeFile = () => {
    if (fd !== undefined && !reading) {
      close(fd, () => {})
      fd = undefined
    }
  }
  const finish = (outcome: () => void) => {
    if (finished) return
    finished = true
    clearInterval(poll)
    clearTimeout(deadline)
    watcher?.close()
    closeFile()
    outcome()
  }
  const fail = (error: unknown) => finish(() => rejectDone(error))

  const lookAgain = (): void => {
    if (finished || fd === undefined) return
    if (reading) {
      again = true
      return
    }
    reading = true
    again = false
    read(fd, buffer, 0, buffer.length, readAt, (error, bytesRead) => {
      reading = false
      if (finished) return closeFile()
      if (error !== null) return fail(error)
      if (bytesRead === 0) {
        resolveReady()
        if (again) lookAgain()
        return
      }
      readAt += bytesRead
      const data = pending.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([pending, buffer.subarray(0, bytesRead)])
      let start = 0
      for (let end = data.indexOf(newline, start); end >= 0; end = data.indexOf(newline, start)) {
        const line = data.toString("utf8", start, end)
        start = end + 1
        if (!line.includes(Messages.activationLogSentinel)) lines.push(line)
        else if (++sentinels === 2) return finish(() => resolveDone({ lines, end: readAt - data.length + start, completedAt: performance.now() }))
      }
      // A copy: the read buffer is reused.
      pending = Buffer.from(data.subarray(start))
      lookAgain()
    })
  }

  const poll = setInterval(lookAgain, pollMs)
  const deadline = setTimeout(() => fail(new Error(`no two sentinel lines in ${path} after byte ${from} within ${timeoutMs} ms`)), timeoutMs)
  open(path, "r", (error, opened) => {
    if (error !== null) return fail(error)
    if (finished) return close(opened, () => {})
    fd = opened
    try {
      watcher = watch(path, lookAgain)
      watcher.on("error", fail)
    } catch (error) {
      return fail(error)
    }
    lookAgain()
  })
  return { ready, done, stop: () => fail(new Error("stopped")) }
}
