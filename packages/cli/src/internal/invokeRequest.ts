import type { ByteSize } from "@effect-whisk/core"
import type { Duration, Option } from "effect"
import type { ActionSource } from "./actionSource.js"

/** A checked `invoke` command line. */
export interface InvokeRequest {
  /** None only for a blackbox image that brings its own code. */
  readonly action: Option.Option<ActionSource>
  readonly main: string
  /** None: the project's runtime image, built first when missing. */
  readonly image: Option.Option<string>
  readonly blackbox: boolean
  readonly memory: ByteSize.ByteSize
  readonly timeout: Duration.Duration
  readonly logLimit: ByteSize.ByteSize
  readonly maxResponse: ByteSize.ByteSize
  /** None: the configured network. */
  readonly network: Option.Option<string>
  readonly environment: Readonly<Record<string, string>>
  readonly params: Readonly<Record<string, unknown>>
  readonly repeat: number
  readonly suspend: boolean
  readonly keep: boolean
  readonly json: boolean
}
