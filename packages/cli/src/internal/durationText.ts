import { Duration, Either } from "effect"
import { UsageError } from "./usageError.js"

const unitMillis: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(ms|millis|milliseconds?)$/i, 1],
  [/^(s|secs?|seconds?)$/i, 1000],
  [/^(m|mins?|minutes?)$/i, 60_000],
  [/^(h|hours?)$/i, 3_600_000]
]

const pattern = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i

/** `500ms`, `60s`, `1.5 s`, `2m`, `1h`, `90 seconds`: a positive duration with a unit. */
export const parse = (option: string, text: string): Either.Either<Duration.Duration, UsageError> => {
  const match = pattern.exec(text)
  const amount = match === null ? Number.NaN : Number(match[1])
  const factor = unitMillis.find(([unit]) => unit.test(match?.[2] ?? ""))?.[1]
  const millis = factor === undefined ? Number.NaN : Math.round(amount * factor)
  return Number.isFinite(millis) && millis > 0
    ? Either.right(Duration.millis(millis))
    : Either.left(
      new UsageError({
        message: `${option} '${text}' is not a duration; give a positive number with a unit, such as 500ms, 60s or 2m`
      })
    )
}
