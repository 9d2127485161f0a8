import { Args, Options } from "@effect/cli"
import { invokeArgument, invokeOptions, type OptionSpec } from "./commandSpec.js"

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

/** The action argument of `invoke` and `load`. */
export const actionArgument = Args.text({ name: invokeArgument.name }).pipe(
  Args.withDescription(invokeArgument.description),
  Args.optional
)

/** The options `invoke` and `load` share: the action, its image and limits, and its parameters. */
export const actionOptions = {
  main: textWithDefault(invokeOptions.main),
  param: repeatedText(invokeOptions.param),
  paramsJson: optionalText(invokeOptions.paramsJson),
  image: optionalText(invokeOptions.image),
  blackbox: flag(invokeOptions.blackbox),
  memory: textWithDefault(invokeOptions.memory),
  timeout: textWithDefault(invokeOptions.timeout),
  logLimit: textWithDefault(invokeOptions.logLimit),
  maxResponse: textWithDefault(invokeOptions.maxResponse),
  network: optionalText(invokeOptions.network),
  env: repeatedText(invokeOptions.env),
  json: flag(invokeOptions.json)
}
