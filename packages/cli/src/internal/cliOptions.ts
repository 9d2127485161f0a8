import { Options } from "@effect/cli"
import type { OptionSpec } from "./commandSpec.js"

// @effect/cli's options made from the command descriptors, so that what is parsed and what the help says come from
// one place.

const text = (spec: OptionSpec) =>
  Options.text(spec.name).pipe(Options.withPseudoName(spec.value ?? "VALUE"), Options.withDescription(spec.description))

/** An on/off option. */
export const flag = (spec: OptionSpec) => Options.boolean(spec.name).pipe(Options.withDescription(spec.description))

/** A text option whose default is the descriptor's. */
export const textWithDefault = (spec: OptionSpec) => text(spec).pipe(Options.withDefault(spec.default))

/** A text option whose absence the command decides about. */
export const optionalText = (spec: OptionSpec) => text(spec).pipe(Options.optional)

/** A text option given any number of times. */
export const repeatedText = (spec: OptionSpec) => text(spec).pipe(Options.repeated)
