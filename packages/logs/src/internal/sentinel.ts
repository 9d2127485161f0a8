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
