import type { ByteSize } from "@effect-whisk/core"
import type { Duration, Option } from "effect"
import type { ActionSource } from "./actionSource.js"

/** What `invoke` and `load` both run: the action, its image and limits, and its parameters. */
export interface ActionRequest {
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
  /** Variables of the action's environment, sent with /init. */
  readonly environment: Readonly<Record<string, string>>
  readonly params: Readonly<Record<string, unknown>>
  readonly json: boolean
}

/** A checked `invoke` command line. */
export interface InvokeRequest extends ActionRequest {
  readonly repeat: number
  /** The pool suspends a container idle for this long. */
  readonly pauseGrace: Duration.Duration
}
