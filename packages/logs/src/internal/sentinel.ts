import { Messages } from "@effect-whisk/core"

const sentinel = Messages.activationLogSentinel
const fieldEnds = ['"', '\\n"', '\\r\\n"']

/**
 * Whether a raw json-file line is an activation's end marker: its log text ends with the sentinel (a line end
 * allowed). Better than OpenWhisk's substring test, a user line that only mentions the sentinel does not end the
 * collection; output printed without a line end just before the runtime's sentinel still does, as Docker joins the
 * two. In JSON a `"` right after the sentinel can only close the string (a quote inside it would be escaped), so
 * looking at the characters after an occurrence is enough, without parsing.
 *
 * @internal
 */
export const isSentinelLine = (line: string): boolean => {
  for (let at = line.indexOf(sentinel); at !== -1; at = line.indexOf(sentinel, at + 1)) {
    const after = at + sentinel.length
    if (fieldEnds.some((end) => line.startsWith(end, after))) return true
  }
  return false
}

const pattern = new TextEncoder().encode(sentinel)
const lastByte = pattern.length - 1
// Horspool's table: how far the window may move when its last byte is b. The sentinel is upper case, log text mostly
// not, so the search moves by the sentinel's whole length at most bytes.
const shifts = new Uint8Array(256).fill(pattern.length)
for (let i = 0; i < lastByte; i++) shifts[pattern[i]!] = lastByte - i

/**
 * Where the sentinel's bytes start in `bytes[from, to)`, or -1.
 *
 * @internal
 */
export const findSentinelBytes = (bytes: Uint8Array, from: number, to: number): number => {
  for (let end = from + lastByte; end < to; end += shifts[bytes[end]!]!) {
    if (bytes[end] !== pattern[lastByte]) continue
    let i = lastByte - 1
    while (i >= 0 && bytes[end - lastByte + i] === pattern[i]) i--
    if (i < 0) return end - lastByte
  }
  return -1
}
