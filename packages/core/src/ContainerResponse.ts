/**
 * What an action container answered to one HTTP call.
 *
 * @since 0.1.0
 */
import { Data, Option } from "effect"
import type { ByteSize } from "./ByteSize.js"

/**
 * The answer was longer than allowed: `length` is its full size, `max` the limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface Truncation {
  readonly length: ByteSize
  readonly max: ByteSize
}

/**
 * @since 0.1.0
 * @category models
 */
export class ContainerResponse extends Data.Class<{
  readonly statusCode: number
  readonly entity: string
  readonly truncated: Option.Option<Truncation>
}> {
  get okStatus(): boolean {
    return this.statusCode === 200
  }
  /** 200 and not truncated. */
  get ok(): boolean {
    return this.okStatus && Option.isNone(this.truncated)
  }
  /** 503: the runtime is shutting down (B21). */
  get shuttingDown(): boolean {
    return this.statusCode === 503
  }
  override toString(): string {
    const base = this.ok ? "ok" : "not ok"
    return Option.match(this.truncated, {
      onNone: () => base,
      onSome: ({ length, max }) => `${base}, truncated (${length}, ${max})`
    })
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  statusCode: number,
  entity: string,
  truncated: Option.Option<Truncation> = Option.none()
): ContainerResponse => new ContainerResponse({ statusCode, entity, truncated })
