// What the pool accepts, in one place: every field of its Config, and the fields of an Action that the pool itself
// relies on. A value out of range is refused with its field, the value given and what is allowed, before anything
// starts; the pool's code after these checks may rely on them (no timer of 0 that would spin, no count of NaN that
// would compare false forever).
import { ByteSize } from "@effect-whisk/core"
import { Duration, Option } from "effect"
import type * as Action from "../Action.js"
import * as ActivationContext from "../ActivationContext.js"
import type * as ContainerPool from "../ContainerPool.js"
import type { Problem } from "../PoolError.js"

/** A value as the person who wrote it would recognise it. */
const show = (value: unknown): string => {
  if (value instanceof ByteSize.ByteSize) {
    return Number.isFinite(value.bytes) ? value.toString() : `${value.bytes} bytes`
  }
  if (Duration.isDuration(value)) return Duration.isZero(value) ? "0 millis" : Duration.format(value)
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "bigint") return `${value}n`
  if (value === undefined) return "undefined"
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`
  if (typeof value === "object" && value !== null) return "an object"
  return String(value)
}

/** Below zero as written: Duration.decode turns a negative or NaN input into 0 without a word. */
const negative = (value: unknown): boolean => {
  if (typeof value === "number") return Number.isNaN(value) || value < 0
  if (typeof value === "bigint") return value < 0n
  if (typeof value === "string") return /^\s*-/.test(value)
  if (Array.isArray(value)) return value.some((part) => typeof part !== "number" || Number.isNaN(part) || part < 0)
  return false
}

interface DurationRule {
  /** The smallest value allowed: 0, or 1 ms for a timer that repeats (below it, a loop that never pauses). */
  readonly atLeastMillis: 0 | 1
  readonly infinite: boolean
}

const durationText = (rule: DurationRule): string =>
  `${rule.atLeastMillis === 0 ? "a duration of 0 or more" : "a duration of at least 1 millisecond"}` +
  `${rule.infinite ? ", Infinity too" : ", finite"}, such as "10 seconds" or a number of milliseconds`

class Checker {
  readonly problems: Array<Problem> = []

  problem(field: string, value: unknown, allowed: string, shown = show(value)): void {
    this.problems.push({ field, value: shown, allowed })
  }

  /** A whole number of at least `min`. */
  count(field: string, value: unknown, min: number, why = ""): value is number {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) return true
    this.problem(field, value, `a whole number of ${min} or more${why}`)
    return false
  }

  /** A ByteSize of whole bytes, at least `min`. */
  size(field: string, value: unknown, min: 0 | 1, why = ""): value is ByteSize.ByteSize {
    if (value instanceof ByteSize.ByteSize && Number.isSafeInteger(value.bytes) && value.bytes >= min) return true
    this.problem(
      field,
      value,
      `a ByteSize of ${min === 0 ? "0 or more" : "at least 1"} whole bytes, such as ByteSize.megabytes(256)${why}`
    )
    return false
  }

  duration(field: string, value: unknown, rule: DurationRule, why = ""): boolean {
    const decoded = negative(value) ? Option.none() : Duration.decodeUnknown(value)
    const valid = Option.match(decoded, {
      onNone: () => false,
      onSome: (duration) =>
        Duration.isFinite(duration)
          ? Duration.toMillis(duration) >= rule.atLeastMillis
          : rule.infinite
    })
    if (!valid) this.problem(field, value, durationText(rule) + why)
    return valid
  }

  text(field: string, value: unknown): boolean {
    if (typeof value === "string" && value.trim() !== "") return true
    this.problem(field, value, "a text that is not empty")
    return false
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const checkReactive = (check: Checker, at: string, reactive: unknown) => {
  if (!isObject(reactive)) {
    return check.problem(at, reactive, "an object { minCount, maxCount, ttl, threshold, increment }")
  }
  const { increment, maxCount, minCount, threshold, ttl } = reactive
  const min = check.count(`${at}.minCount`, minCount, 0)
  const maxValid = check.count(`${at}.maxCount`, maxCount, 1, " (0 would never start a prewarm: leave the cell out)")
  if (maxValid && min) {
    if (maxCount < minCount) check.problem(`${at}.maxCount`, maxCount, `at least minCount (${minCount})`)
  }
  check.duration(`${at}.ttl`, ttl, { atLeastMillis: 1, infinite: true }, " (Infinity: its prewarms never expire)")
  check.count(`${at}.threshold`, threshold, 1, " (cold starts per increment)")
  check.count(`${at}.increment`, increment, 1)
}

const checkStemCells = (check: Checker, stemCells: unknown, userMemory: number | undefined) => {
  if (!Array.isArray(stemCells)) return check.problem("stemCells", stemCells, "an array of stem cells (may be empty)")
  const seen = new Map<string, number>()
  stemCells.forEach((cell: unknown, index) => {
    const at = `stemCells[${index}]`
    if (!isObject(cell)) return check.problem(at, cell, "an object { image, memory, initialCount, reactive? }")
    const image = check.text(`${at}.image`, cell["image"])
    const memory = cell["memory"]
    if (check.size(`${at}.memory`, memory, 1) && userMemory !== undefined && memory.bytes > userMemory) {
      check.problem(
        `${at}.memory`,
        memory,
        `at most userMemory (${ByteSize.bytes(userMemory).toString()}): no prewarm of it could ever start`
      )
    }
    check.count(`${at}.initialCount`, cell["initialCount"], 0)
    if (cell["reactive"] !== undefined) checkReactive(check, `${at}.reactive`, cell["reactive"])
    if (image && memory instanceof ByteSize.ByteSize) {
      const key = JSON.stringify([cell["image"], memory.bytes])
      const first = seen.get(key)
      if (first === undefined) seen.set(key, index)
      else {
        check.problem(
          at,
          cell,
          `unique: stemCells[${first}] has the same image and memory (merge the two)`,
          `${show(cell["image"])} of ${show(memory)}`
        )
      }
    }
  })
}

/** Fields of `given` that `known` does not have: a misspelt field would otherwise keep its default without a word. */
const unknownFields = (check: Checker, at: string, given: unknown, known: object) => {
  if (!isObject(given)) return
  for (const field of Object.keys(given)) {
    if (!(field in known)) {
      const of = at === "" ? "the pool's Config" : at.slice(0, -1)
      const fields = Object.keys(known).join(", ")
      check.problem(`${at}${field}`, given[field], `absent: ${of} has no such field (its fields: ${fields})`)
    }
  }
}

/** Every problem of a whole Config, in the order of its fields; none when the pool may start with it. */
const checkConfig = (check: Checker, config: ContainerPool.Config): void => {
  const userMemory = check.size("userMemory", config.userMemory, 1, " (the memory all containers share)")
    ? config.userMemory.bytes
    : undefined
  check.duration(
    "pauseGrace",
    config.pauseGrace,
    { atLeastMillis: 0, infinite: true },
    " (0 suspends a container as soon as it is idle, Infinity never)"
  )
  check.duration(
    "idleTimeout",
    config.idleTimeout,
    { atLeastMillis: 0, infinite: true },
    " (0 removes a container as soon as it is suspended, Infinity never for idleness)"
  )
  check.count("bufferCapacity", config.bufferCapacity, 0, " (0: an activation that cannot be placed at once fails)")
  check.duration("bufferRetryInterval", config.bufferRetryInterval, { atLeastMillis: 1, infinite: false })
  const finite = { atLeastMillis: 0, infinite: false } as const
  check.duration("warmWait", config.warmWait, finite, " (0 evicts at once, as OpenWhisk)")
  check.duration("bypassWindow", config.bypassWindow, finite, " (0 keeps a strict order)")
  checkStemCells(check, config.stemCells, userMemory)
  check.duration("prewarmCheckInterval", config.prewarmCheckInterval, { atLeastMillis: 1, infinite: false })
  check.count("prewarmExpirationLimit", config.prewarmExpirationLimit, 1)
  check.count("prewarmRetryLimit", config.prewarmRetryLimit, 0, " (0: a failed start waits for the next check)")
  const healthCheck: unknown = config.healthCheck
  if (!isObject(healthCheck)) check.problem("healthCheck", healthCheck, "an object { enabled, period, maxFails }")
  else {
    if (typeof healthCheck["enabled"] !== "boolean") {
      check.problem("healthCheck.enabled", healthCheck["enabled"], "true or false")
    }
    check.duration(
      "healthCheck.period",
      healthCheck["period"],
      { atLeastMillis: 1, infinite: false },
      " (to stop probing, set enabled: false)"
    )
    check.count("healthCheck.maxFails", healthCheck["maxFails"], 1)
  }
}

/** The Overrides over the defaults; a field given as undefined keeps its default. */
const merge = (defaults: ContainerPool.Config, overrides: ContainerPool.Overrides): ContainerPool.Config => {
  const given = <A extends object>(fields: A) =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<A>
  const healthCheck = isObject(overrides.healthCheck)
    ? { ...defaults.healthCheck, ...given(overrides.healthCheck) }
    : overrides.healthCheck ?? defaults.healthCheck
  return { ...defaults, ...given(overrides), healthCheck }
}

/**
 * The Overrides over the defaults, and every problem of the result, in the order of the Config's fields, then the
 * fields given that the Config does not have.
 *
 * @internal
 */
export const config = (
  defaults: ContainerPool.Config,
  overrides: ContainerPool.Overrides
): { readonly config: ContainerPool.Config; readonly problems: ReadonlyArray<Problem> } => {
  const check = new Checker()
  const merged = merge(defaults, overrides)
  checkConfig(check, merged)
  unknownFields(check, "", overrides, defaults)
  unknownFields(check, "healthCheck.", overrides.healthCheck, defaults.healthCheck)
  return { config: merged, problems: check.problems }
}

const checkedActions = new WeakMap<Action.Action, ReadonlyArray<Problem>>()

/**
 * The problems of the fields of an action the pool relies on: a memory of 0 would be booked as nothing and given an
 * engine's "no limit", a timeout of 0 would fail every activation, a `maxConcurrent` of NaN would never fill a
 * container. Checked once per action object, as `Action.resolve` resolves it once.
 *
 * @internal
 */
export const checkAction = (action: Action.Action): ReadonlyArray<Problem> => {
  const known = checkedActions.get(action)
  if (known !== undefined) return known
  const check = new Checker()
  check.text("name", action.name)
  check.text("image", action.image)
  if (action.memory !== undefined) check.size("memory", action.memory, 1)
  if (action.timeout !== undefined) {
    check.duration("timeout", action.timeout, { atLeastMillis: 1, infinite: false }, " (the limit of /init and /run)")
  }
  if (action.logLimit !== undefined) check.size("logLimit", action.logLimit, 0, " (0 collects no logs)")
  if (action.maxConcurrent !== undefined) check.count("maxConcurrent", action.maxConcurrent, 1)
  if (action.maxResponse !== undefined) check.size("maxResponse", action.maxResponse, 1)
  const problems = check.problems
  checkedActions.set(action, problems)
  return problems
}

/**
 * The action's name as its errors give it, before it is resolved.
 *
 * @internal
 */
export const qualifiedName = (action: Action.Action): string =>
  `/${action.namespace ?? ActivationContext.defaultNamespace}/${action.name}`
