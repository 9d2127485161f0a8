/** How upstream moves init `env` and per-activation keys into `process.env` (R5, R9). */

const asEnvValue = (value: unknown): string => {
  if (typeof value === "object" && value !== null) return JSON.stringify(value)
  // Upstream writes `val ? val.toString() : ""`, so false and 0 also become "".
  return value ? String(value) : ""
}

/** Copies the init message's `env` (any JSON) into `process.env`. */
export const exportInitEnv = (env: unknown): void => {
  if (typeof env !== "object" || env === null) return
  for (const [key, value] of Object.entries(env)) {
    process.env[key] = asEnvValue(value)
  }
}

/**
 * Exports every string-valued key of the /run message except `value` as `__OW_<KEY>`. Other types are skipped and
 * nothing is ever cleared, so a key the next activation omits keeps its previous value (as upstream).
 */
export const exportActivationContext = (message: Readonly<Record<string, unknown>>): void => {
  for (const [key, value] of Object.entries(message)) {
    if (key !== "value" && typeof value === "string") {
      process.env[`__OW_${key.toUpperCase()}`] = value
    }
  }
}
