import { LogSource } from "@effect-whisk/core"

// Docker's json-file encoder escapes like Go's for HTML: `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, every
// control character but \n and \r as \u00XX (a tab too), `"` and `\` with a backslash.
const escapes = /[\u0000-\u001f"\\<>&\u2028\u2029]/g

const escape = (char: string): string => {
  switch (char) {
    case "\"":
      return "\\\""
    case "\\":
      return "\\\\"
    case "\n":
      return "\\n"
    case "\r":
      return "\\r"
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`
  }
}

/**
 * A record of the engine's log stream as the line the json-file log driver would have written for it (`log`, `stream`,
 * `time` in that order, Docker's escapes, the time as it writes it), without the `\n`. The lines of both sources are
 * then the same bytes: one rule engine weighs them against the limit, finds the sentinels and formats them.
 *
 * @internal
 */
export const jsonFileLine = (record: LogSource.LogRecord): string =>
  `{"log":"${record.text.replace(escapes, escape)}","stream":"${record.stream}","time":"${
    LogSource.formatTime(record.time)
  }"}`
