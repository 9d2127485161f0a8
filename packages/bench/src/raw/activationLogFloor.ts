import { Messages } from "@effect-whisk/core"
import { closeSync, fstatSync, openSync, readSync } from "node:fs"

const newline = 0x0a
const buffer = Buffer.allocUnsafe(64 * 1024)

/**
 * The least a caller can do to have an activation's log lines from a container's json-file log, for the floor of
 * figure 10a: the file is held open from one activation to the next, read with blocking reads from the offset where
 * the last activation's sentinels ended, split at `\n` and decoded, and polled every millisecond until two sentinel
 * lines came. No framing limit, no JSON parsing, no timeout, no rotation: what the library does on top is its cost.
 * One activation at a time per reader (the callers hold their container until its lines are read).
 */
export class ActivationLogFloor {
  private readonly fd: number
  private offset: number

  /** Opened at the end of the log: the activations before are not this reader's. */
  constructor(path: string) {
    this.fd = openSync(path, "r")
    this.offset = fstatSync(this.fd).size
  }

  /** The next activation's raw json lines, sentinel lines left out. */
  next(): Promise<Array<string>> {
    return new Promise((resolve, reject) => {
      const lines: Array<string> = []
      let sentinels = 0
      const look = () => {
        try {
          while (true) {
            const read = readSync(this.fd, buffer, 0, buffer.length, this.offset)
            let start = 0
            for (let end = buffer.indexOf(newline, 0); end !== -1 && end < read; end = buffer.indexOf(newline, start)) {
              const line = buffer.toString("utf8", start, end)
              start = end + 1
              if (line.includes(Messages.activationLogSentinel)) sentinels++
              else lines.push(line)
              if (sentinels === 2) {
                this.offset += start
                return resolve(lines)
              }
            }
            // A partial last line is read again, whole, at the next look.
            this.offset += start
            // Less than a buffer, or a line longer than one (never the case for the no-op action): wait for more.
            if (read < buffer.length || start === 0) break
          }
        } catch (error) {
          return reject(error)
        }
        setTimeout(look, 1)
      }
      look()
    })
  }

  close(): void {
    closeSync(this.fd)
  }
}
