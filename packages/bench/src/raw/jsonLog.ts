import { open } from "node:fs/promises"
import { setTimeout as sleep } from "node:timers/promises"

const sentinel = Buffer.from("XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX")
const newline = 0x0a

/** The bytes of a file from `start` to `end`, with fs.read. */
export const readRange = async (path: string, start: number, end: number): Promise<Buffer> => {
  const file = await open(path, "r")
  try {
    const buffer = Buffer.alloc(end - start)
    let filled = 0
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return buffer.subarray(0, filled)
  } finally {
    await file.close()
  }
}

export interface LogEntry {
  readonly log: string
  readonly stream: string
  readonly time: string
}

/** Splits json-file bytes into lines and parses each: the raw work of reading an activation's logs. */
export const parseLines = (bytes: Buffer): Array<LogEntry> => {
  const entries: Array<LogEntry> = []
  let start = 0
  for (let end = bytes.indexOf(newline, start); end >= 0; end = bytes.indexOf(newline, start)) {
    entries.push(JSON.parse(bytes.toString("utf8", start, end)) as LogEntry)
    start = end + 1
  }
  return entries
}

/**
 * Where an activation's logs end: the byte after its second sentinel line from `start`, reading the file again
 * every millisecond until both are there (or failing after `timeoutMs`).
 */
export const awaitSentinels = async (path: string, start: number, timeoutMs = 10_000): Promise<number> => {
  const deadline = Date.now() + timeoutMs
  const file = await open(path, "r")
  try {
    let buffer = Buffer.alloc(0)
    let scanned = 0
    let found = 0
    for (;;) {
      const { size } = await file.stat()
      if (size > start + buffer.length) {
        const more = Buffer.alloc(size - start - buffer.length)
        const { bytesRead } = await file.read(more, 0, more.length, start + buffer.length)
        buffer = Buffer.concat([buffer, more.subarray(0, bytesRead)])
      }
      for (let end = buffer.indexOf(newline, scanned); end >= 0; end = buffer.indexOf(newline, scanned)) {
        if (buffer.subarray(scanned, end).includes(sentinel)) found++
        scanned = end + 1
        if (found === 2) return start + scanned
      }
      if (Date.now() > deadline) throw new Error(`no two sentinel lines in ${path} after byte ${start} within ${timeoutMs} ms`)
      await sleep(1)
    }
  } finally {
    await file.close()
  }
}
