/**
 * Where the command writes: the report goes to stdout, progress and diagnostics to stderr (so that `--json` leaves
 * exactly one JSON object on stdout). Tests capture both with `layerTest`.
 *
 * @since 0.1.0
 */
import { Console, Context, Effect, Layer } from "effect"
import { formatWithOptions } from "node:util"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** stderr is a terminal: progress may redraw one line instead of printing a line per step. */
  readonly stderrIsTTY: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Output extends Context.Tag("@effect-whisk/cli/Output")<Output, Service>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Output> = Layer.sync(Output, () => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true
}))

/**
 * Writes a line to stdout.
 *
 * @since 0.1.0
 */
export const line = (text: string): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (output) => Effect.sync(() => output.stdout(`${text}\n`)))

/**
 * Writes a line to stderr.
 *
 * @since 0.1.0
 */
export const diagnostic = (text: string): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (output) => Effect.sync(() => output.stderr(`${text}\n`)))

const text = (args: ReadonlyArray<unknown>) => `${formatWithOptions({ colors: false }, ...args)}\n`

/**
 * A Console over an Output: what @effect/cli prints (help, validation errors) goes where the command's own output
 * goes. log, info and debug write to stdout; error, warn and trace to stderr.
 *
 * @since 0.1.0
 */
export const console = (output: Service): Console.Console => {
  const out = (...args: ReadonlyArray<unknown>) => output.stdout(text(args))
  const err = (...args: ReadonlyArray<unknown>) => output.stderr(text(args))
  const unsafe: Console.UnsafeConsole = {
    assert: (condition, ...args) => {
      if (!condition) err("Assertion failed:", ...args)
    },
    clear: () => {},
    count: () => {},
    countReset: () => {},
    debug: out,
    dir: (item) => out(item),
    dirxml: out,
    error: err,
    group: () => {},
    groupCollapsed: () => {},
    groupEnd: () => {},
    info: out,
    log: out,
    table: (data) => out(data),
    time: () => {},
    timeEnd: () => {},
    timeLog: () => {},
    trace: err,
    warn: err
  }
  const lift = <A extends ReadonlyArray<any>>(f: (...args: A) => void) => (...args: A) => Effect.sync(() => f(...args))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: lift(unsafe.assert),
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: lift(out),
    dir: lift(unsafe.dir),
    dirxml: lift(out),
    error: lift(err),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: lift(out),
    log: lift(out),
    table: lift(unsafe.table),
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: lift(err),
    warn: lift(err),
    unsafe
  }
}

/**
 * What a test Output received.
 *
 * @since 0.1.0
 * @category testing
 */
export class Captured extends Context.Tag("@effect-whisk/cli/Output/Captured")<Captured, {
  readonly stdout: Effect.Effect<string>
  readonly stderr: Effect.Effect<string>
}>() {}

/**
 * An Output that keeps what is written, readable through `Captured`.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (options: { readonly stderrIsTTY?: boolean } = {}): Layer.Layer<Output | Captured> =>
  Layer.syncContext(() => {
    const written = { stdout: "", stderr: "" }
    const service: Service = {
      stdout: (text) => {
        written.stdout += text
      },
      stderr: (text) => {
        written.stderr += text
      },
      stderrIsTTY: options.stderrIsTTY ?? false
    }
    return Context.make(Output, service).pipe(
      Context.add(Captured, { stdout: Effect.sync(() => written.stdout), stderr: Effect.sync(() => written.stderr) })
    )
  })
