import { Messages } from "@effect-whisk/core"
import { open } from "node:fs/promises"

const newline = 0x0a
const sentinel = Buffer.from(Messages.activationLogSentinel)
const readSize = 1024 * 1024

export interface LargeLogResult {
  /** Lines decoded before the limit. */
  readonly lines: number
  /** Their characters, decoded. */
  readonly characters: number
  /** The offset right after the second sentinel line (or the file's end without them). */
  readonly end: number
}

/**
 * An activation's lines with a limit, by hand with node:fs: fs.read in 1 MiB chunks into one reused buffer (a
 * partial line is moved to its front), split at \n; lines are decoded to strings (and dropped) until they weigh
 * more than `limit` (each its length + 1), after which lines are only split and looked at for a sentinel, without
 * decoding, until the second sentinel line.
 */
export const readLargeLog = async (path: string, limit: number): Promise<LargeLogResult> => {
  const file = await open(path, "r")
  try {
    const buffer = Buffer.allocUnsafe(readSize)
    let position = 0 // the file offset of buffer[0]
    let carried = 0 // bytes of a partial line at the front of the buffer
    let weight = 0
    let lines = 0
    let characters = 0
    let sentinels = 0
    for (;;) {
      const { bytesRead } = await file.read(buffer, carried, buffer.length - carried, position + carried)
      if (bytesRead === 0) return { lines, characters, end: position + carried }
      const data = buffer.subarray(0, carried + bytesRead)
      // One search for the next sentinel instead of one per line.
      let sentinelAt = data.indexOf(sentinel)
      let start = 0
      for (let end = data.indexOf(newline, start); end >= 0; end = data.indexOf(newline, start)) {
        const isSentinel = sentinelAt >= 0 && sentinelAt < end
        if (weight <= limit) {
          weight += end - start + 1
          if (weight <= limit && !isSentinel) {
            characters += data.toString("utf8", start, end).length
            lines++
          }
        }
        start = end + 1
        if (isSentinel) {
          if (++sentinels === 2) return { lines, characters, end: position + start }
          sentinelAt = data.indexOf(sentinel, start)
        }
      }
      if (start === 0 && data.length === buffer.length) throw new Error(`a line longer than ${readSize} bytes in ${path}`)
      data.copyWithin(0, start)
      position += start
      carried = data.length - start
    }
  } finally {
    await file.close()
  }
}
