/**
 * A size in bytes, parsed from `10m`, `256 MB`, `1024` and printed as OpenWhisk prints it (`3 B`, `1 MB`).
 *
 * @since 0.1.0
 */
import { Data, Either, ParseResult, Schema } from "effect"
import { InvalidByteSize } from "./Errors.js"

const units = [
  { symbol: "GB", factor: 1024 ** 3 },
  { symbol: "MB", factor: 1024 ** 2 },
  { symbol: "KB", factor: 1024 },
  { symbol: "B", factor: 1 }
] as const

const factorOf: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/**
 * @since 0.1.0
 * @category models
 */
export class ByteSize extends Data.Class<{ readonly bytes: number }> {
  /** Whole megabytes, rounded down (OpenWhisk's `toMB`). */
  get toMB(): number {
    return Math.floor(this.bytes / 1024 ** 2)
  }
  /** The largest unit that divides the size exactly: `3 B`, `300 KB`, `1 MB`. */
  override toString(): string {
    const unit = units.find(({ factor }) => this.bytes % factor === 0 && this.bytes >= factor) ?? units[3]
    return `${this.bytes / unit.factor} ${unit.symbol}`
  }
  toJSON(): string {
    return this.toString()
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const bytes = (n: number): ByteSize => new ByteSize({ bytes: n })

/**
 * @since 0.1.0
 * @category constructors
 */
export const kilobytes = (n: number): ByteSize => bytes(n * 1024)

/**
 * @since 0.1.0
 * @category constructors
 */
export const megabytes = (n: number): ByteSize => bytes(n * 1024 ** 2)

const pattern = /^\s*(\d+)\s*([kmg]?)(i?b)?\s*$/i

/**
 * Parses `1024`, `3 B`, `64k`, `10m`, `256 MB`, `1 GB` (units are powers of 1024, case does not matter).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Either.Either<ByteSize, InvalidByteSize> => {
  const match = pattern.exec(input)
  const amount = match?.[1]
  const factor = factorOf[(match?.[2] ?? "").toLowerCase()]
  if (amount === undefined || factor === undefined) return Either.left(new InvalidByteSize({ input }))
  const size = Number(amount) * factor
  return Number.isSafeInteger(size) ? Either.right(bytes(size)) : Either.left(new InvalidByteSize({ input }))
}

/**
 * @since 0.1.0
 * @category schemas
 */
export const ByteSizeFromSelf: Schema.Schema<ByteSize> = Schema.instanceOf(ByteSize)

/**
 * A ByteSize encoded as text such as `10 MB`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ByteSizeFromString: Schema.Schema<ByteSize, string> = Schema.transformOrFail(
  Schema.String,
  ByteSizeFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Either.mapLeft(parse(input), (error) => new ParseResult.Type(ast, input, error.message)),
    encode: (size) => Either.right(size.toString())
  }
)
