// The command line as plain data: the help, the check of a command line and @effect/cli's parser are all made from
// it. It imports nothing, so that `--help` and `--version` print without loading Effect.

export const toolName = "effect-whisk"

export const version = "0.1.0"

export interface OptionSpec {
  /** Without the leading dashes. */
  readonly name: string
  /** A one-letter alias, without its dash. */
  readonly alias?: string
  /** The placeholder of the option's value; absent for a flag. */
  readonly value?: string
  readonly description: string
  /** What applies when the option is not given, as a person reads it. */
  readonly default: string
  readonly repeatable?: boolean
  /** The only values the option takes. */
  readonly choices?: ReadonlyArray<string>
}

export interface ArgumentSpec {
  readonly name: string
  readonly description: string
}

export interface CommandSpec {
  /** The words after the tool's name: `["runtime", "build"]`. */
  readonly path: ReadonlyArray<string>
  readonly description: string
  /** More usage lines than the one made from the options, such as another form of the command. */
  readonly forms?: ReadonlyArray<string>
  readonly argument?: ArgumentSpec
  readonly options: ReadonlyArray<OptionSpec>
  readonly subcommands: ReadonlyArray<CommandSpec>
  /** Closing lines of the help. */
  readonly notes?: ReadonlyArray<string>
}

export const help: OptionSpec = { name: "help", alias: "h", description: "Show this help and exit", default: "off" }

/** Accepted by every command (@effect/cli's built-in options that this tool documents). */
export const globalOptions: ReadonlyArray<OptionSpec> = [
  help,
  { name: "version", description: "Print the version and exit", default: "off" },
  {
    name: "log-level",
    value: "LEVEL",
    description: "The least level of the library's logs on stderr: all, trace, debug, info, warning, error, fatal or none",
    default: "warning",
    choices: ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"]
  }
]

const option = (spec: OptionSpec): OptionSpec => spec

export const invokeOptions = {
  main: option({ name: "main", value: "NAME", description: "The function the runtime calls", default: "main" }),
  param: option({
    name: "param",
    value: "KEY=VALUE",
    description: "A parameter of the action; VALUE is JSON when it parses as JSON, else text",
    default: "none",
    repeatable: true
  }),
  paramsJson: option({
    name: "params-json",
    value: "JSON",
    description: "The parameters as one JSON object; --param entries are applied on top",
    default: "{}"
  }),
  image: option({
    name: "image",
    value: "IMAGE",
    description: "The image to run",
    default: "the project's Node.js runtime image, built when missing"
  }),
  blackbox: option({
    name: "blackbox",
    description:
      "The image is the user's: it is pulled as OpenWhisk pulls blackbox images, and logs are read without waiting for sentinels",
    default: "off"
  }),
  memory: option({ name: "memory", value: "SIZE", description: "The container's memory limit", default: "256m" }),
  timeout: option({
    name: "timeout",
    value: "DURATION",
    description: "The time limit of /init and of each /run, such as 500ms or 2m",
    default: "60s"
  }),
  logLimit: option({
    name: "log-limit",
    value: "SIZE",
    description: "The most log bytes collected per activation",
    default: "10m"
  }),
  maxResponse: option({
    name: "max-response",
    value: "SIZE",
    description: "The longest result kept whole",
    default: "1m"
  }),
  network: option({
    name: "network",
    value: "NETWORK",
    description: "The network the container joins",
    default: "EFFECT_WHISK_NETWORK, else bridge"
  }),
  env: option({
    name: "env",
    value: "K=V",
    description: "An environment variable of the container",
    default: "none",
    repeatable: true
  }),
  repeat: option({
    name: "repeat",
    value: "N",
    description: "How many activations to run in the same container",
    default: "1"
  }),
  noSuspend: option({
    name: "no-suspend",
    description: "Do not suspend and resume the container between activations",
    default: "off"
  }),
  keep: option({ name: "keep", description: "Leave the container running at the end", default: "off" }),
  json: option({
    name: "json",
    description: "Print exactly one JSON object on stdout (progress and diagnostics go to stderr)",
    default: "off"
  })
} as const

export const invokeArgument: ArgumentSpec = {
  name: "action.js | folder | .zip",
  description: "The action: a .js file (sent as code), a folder (zipped) or a .zip archive (both sent base64)"
}

export const invoke: CommandSpec = {
  path: ["invoke"],
  description: "Run an action in a fresh container and print its result, logs and timings",
  forms: [`${toolName} invoke --blackbox --image IMAGE [options]`],
  argument: invokeArgument,
  options: Object.values(invokeOptions),
  subcommands: [],
  notes: [
    "The exit status is the last activation's statusCode (0 success, 1 application error, 2 developer error, " +
    "3 internal error), 4 for a usage error."
  ]
}

export const buildOptions = {
  force: option({ name: "force", description: "Build even when the image is current", default: "off" })
} as const

export const runtimeBuild: CommandSpec = {
  path: ["runtime", "build"],
  description: "Build the Node.js runtime image unless it is current",
  options: Object.values(buildOptions),
  subcommands: []
}

export const runtime: CommandSpec = {
  path: ["runtime"],
  description: "The project's Node.js runtime image",
  options: [],
  subcommands: [runtimeBuild]
}

export const cleanupOptions = {
  all: option({
    name: "all",
    description: "Remove every effect-whisk container, those of running programs too",
    default: "off: only containers whose owner process is gone on this host"
  })
}

export const cleanup: CommandSpec = {
  path: ["cleanup"],
  description: "Remove the containers of effect-whisk programs that are gone",
  options: [cleanupOptions.all],
  subcommands: []
}

export const root: CommandSpec = {
  path: [],
  description: "Run OpenWhisk actions in Docker containers, the way OpenWhisk's invoker does",
  options: [],
  subcommands: [invoke, runtime, cleanup],
  notes: [`Run '${toolName} <command> --help' for the options of a command.`]
}
