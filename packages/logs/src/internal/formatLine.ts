import { LogLine } from "@effect-whisk/core"

/**
 * `LogLine.formatRaw` with a fast path: a line that JSON.parse reads as an object with string `time`, `stream` and
 * `log` is formatted directly; anything else goes through the schema, which reports it in place.
 *
 * @internal
 */
export const formatLine = (raw: string): string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return LogLine.formatRaw(raw)
  }
  if (typeof parsed === "object" && parsed !== null) {
    const { log, stream, time } = parsed as { readonly time?: unknown; readonly stream?: unknown; readonly log?: unknown }
    if (typeof time === "string" && typeof stream === "string" && typeof log === "string") {
      return `${time.padEnd(30)} ${stream}: ${LogLine.stripLineEnd(log)}`
    }
  }
  return LogLine.formatRaw(raw)
}
