/**
 * Each activation's log lines also written to rotating files, for log forwarders (OpenWhisk's
 * `DockerToActivationFileLogStore`, B32): every raw json line of the activation with the activation's fields added
 * (`activationId`, `action`, `namespace`), the developer-error warning included, then the activation's record, one
 * JSON object per line. Files are `userlogs-<epoch millis>.log` in one directory; a write that would take the current
 * file past the size limit starts a new one, and only the newest `maxFiles` are kept. Writes are serialised. A failed
 * write is a FileLogStoreError that `sink` logs: it never fails the activation, and the next write starts a new file.
 *
 * @since 0.1.0
 */
import { ByteSize } from "@effect-whisk/core"
import { Clock, Context, Data, Duration, Effect, Layer, type Scope } from "effect"
import { chmod, mkdir, open, readdir, rm } from "node:fs/promises"
import type { FileHandle } from "node:fs/promises"
import { join } from "node:path"

/**
 * @since 0.1.0
 * @category errors
 */
export class FileLogStoreError extends Data.TaggedError("FileLogStoreError")<{
  readonly reason: "Open" | "Write" | "Timeout"
  readonly path: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const what = this.reason === "Open"
      ? "Could not open the activation log file"
      : this.reason === "Write"
      ? "Could not write the activation log file"
      : "Writing the activation log file timed out at"
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `${what} ${this.path}${cause}; check that the directory exists and is writable, and has free space`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly directory: string
  /** A write that would take the current file past this starts a new file. Default: 100 MB, as the original. */
  readonly maxFileSize?: ByteSize.ByteSize
  /** How many files are kept, the current one included. Default: 10. */
  readonly maxFiles?: number
  /** The longest one activation's write may take. Default: 10 seconds. */
  readonly writeTimeout?: Duration.DurationInput
}

/**
 * The activation whose lines are written.
 *
 * @since 0.1.0
 * @category models
 */
export interface Activation {
  readonly activationId: string
  /** Fully qualified: `/guest/hello`. */
  readonly action: string
  readonly namespace: string
  /** The activation's record, written after its lines (its own fields win over the activation's). */
  readonly record: object
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Appends the activation's raw json log lines, enriched, and its record; one write per activation. */
  readonly write: (activation: Activation, lines: ReadonlyArray<string>) => Effect.Effect<void, FileLogStoreError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class FileLogStore extends Context.Tag("@effect-whisk/logs/FileLogStore")<FileLogStore, Service>() {}

/**
 * The original's rotation size.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultMaxFileSize: ByteSize.ByteSize = ByteSize.megabytes(100)

/**
 * @since 0.1.0
 * @category defaults
 */
export const defaultMaxFiles = 10

const fileName = /^userlogs-(\d+)\.log$/

/**
 * One raw json-file line with the activation's fields added before its closing brace. A line that is not a JSON
 * object is kept whole as the `log` of a stderr line, so that every line of the file stays one JSON object.
 *
 * @since 0.1.0
 * @category formatting
 */
export const enrich = (raw: string, activation: Activation): string => {
  const fields = `"activationId":${JSON.stringify(activation.activationId)},"action":${
    JSON.stringify(activation.action)
  },"namespace":${JSON.stringify(activation.namespace)}}`
  const trimmed = raw.trimEnd()
  let isObject = false
  try {
    const parsed: unknown = JSON.parse(trimmed)
    isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
  } catch {
    // not JSON: kept as the log of a stderr line below
  }
  if (!isObject) return `${JSON.stringify({ log: raw, stream: "stderr" }).slice(0, -1)},${fields}\n`
  const body = trimmed.slice(0, -1).trimEnd()
  return `${body}${body.endsWith("{") ? "" : ","}${fields}\n`
}

/**
 * A FileLogStore writing in `options.directory` (created when missing); the open file is closed with the Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const maxFileSize = (options.maxFileSize ?? defaultMaxFileSize).bytes
    const maxFiles = Math.max(1, Math.floor(options.maxFiles ?? defaultMaxFiles))
    const writeTimeout = Duration.decode(options.writeTimeout ?? Duration.seconds(10))
    const lock = yield* Effect.makeSemaphore(1)
    let current: { handle: FileHandle; path: string; size: number } | undefined
    let lastMillis = 0

    const abandon = Effect.suspend(() => {
      const open = current
      current = undefined
      return open === undefined ? Effect.void : Effect.promise(() => open.handle.close().catch(() => undefined))
    })
    yield* Effect.addFinalizer(() => lock.withPermits(1)(abandon))

    // The oldest files beyond the count are removed; a file that cannot be removed is left for the next rotation.
    const prune = Effect.promise(async () => {
      const names = (await readdir(options.directory).catch(() => [] as Array<string>))
        .map((name) => ({ name, millis: Number(fileName.exec(name)?.[1]) }))
        .filter((file) => Number.isFinite(file.millis))
        .sort((a, b) => a.millis - b.millis)
      for (const file of names.slice(0, Math.max(0, names.length - maxFiles))) {
        await rm(join(options.directory, file.name), { force: true }).catch(() => undefined)
      }
    })

    const rotate = Effect.gen(function*() {
      yield* abandon
      // Names stay unique and ordered when two rotations fall in one millisecond.
      const millis = Math.max(yield* Clock.currentTimeMillis, lastMillis + 1)
      lastMillis = millis
      const path = join(options.directory, `userlogs-${millis}.log`)
      const handle = yield* Effect.tryPromise({
        try: async () => {
          await mkdir(options.directory, { recursive: true })
          const handle = await open(path, "a", 0o666)
          // Read and written by forwarders as the original's files are, whatever the umask.
          await chmod(path, 0o666).catch(() => undefined)
          return handle
        },
        catch: (cause) => new FileLogStoreError({ reason: "Open", path, cause })
      })
      current = { handle, path, size: 0 }
      yield* prune
      return current
    })

    const write = (activation: Activation, lines: ReadonlyArray<string>) =>
      Effect.suspend(() => {
        const text = lines.map((line) => enrich(line, activation)).join("") +
          `${JSON.stringify({ activationId: activation.activationId, namespace: activation.namespace, ...activation.record })}\n`
        const data = Buffer.from(text)
        return Effect.gen(function*() {
          const file = current !== undefined && (current.size === 0 || current.size + data.length <= maxFileSize)
            ? current
            : yield* rotate
          yield* Effect.tryPromise({
            try: () => file.handle.write(data),
            catch: (cause) => new FileLogStoreError({ reason: "Write", path: file.path, cause })
          }).pipe(
            Effect.timeoutFail({
              duration: writeTimeout,
              onTimeout: () => new FileLogStoreError({ reason: "Timeout", path: file.path })
            })
          )
          file.size += data.length
        }).pipe(Effect.tapError(() => abandon), lock.withPermits(1))
      })

    return { write }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<FileLogStore> => Layer.scoped(FileLogStore, make(options))

/**
 * What `LogStore.collect` gives an activation's raw lines to: a write to the store whose failure is logged as a
 * warning, never an error of the activation.
 *
 * @since 0.1.0
 * @category collecting
 */
export const sink = (store: Service, activation: Activation) => (lines: ReadonlyArray<string>): Effect.Effect<void> =>
  store.write(activation, lines).pipe(
    Effect.catchAll((error) => Effect.logWarning(`Activation ${activation.activationId}: ${error.message}`))
  )
