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
    description: "The network the containers join",
    default: "EFFECT_WHISK_NETWORK, else bridge"
  }),
  env: option({
    name: "env",
    value: "K=V",
    description: "A variable of the action's environment, sent with /init",
    default: "none",
    repeatable: true
  }),
  repeat: option({
    name: "repeat",
    value: "N",
    description: "How many activations to run one after the other; the second and later find the container warm",
    default: "1"
  }),
  pauseGrace: option({
    name: "pause-grace",
    value: "DURATION",
    description: "The pool suspends a container idle for this long; 0 suspends it between activations",
    default: "10s, as OpenWhisk"
  }),
  noSuspend: option({
    name: "no-suspend",
    description: "Removed: the pool suspends a container only after its pause grace; use --pause-grace",
    default: "off"
  }),
  keep: option({
    name: "keep",
    description: "Removed: the pool removes every container it made when the command ends; run 'docker run' on the image to keep one",
    default: "off"
  }),
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
  description: "Run an action through a container pool and print its result, logs, start kind and timings",
  forms: [`${toolName} invoke --blackbox --image IMAGE [options]`],
  argument: invokeArgument,
  options: Object.values(invokeOptions),
  subcommands: [],
  notes: [
    "The exit status is the last activation's statusCode (0 success, 1 application error, 2 developer error, " +
    "3 internal error), 4 for a usage error.",
    "Each activation says how its container started (cold, prewarmed or warm) and how long each step took: " +
    "wait for a container, create, resume, init, run, logs."
  ]
}

/** The options `load` shares with `invoke`: the action, its image and limits, and its parameters. */
const actionOptions = [
  invokeOptions.main,
  invokeOptions.param,
  invokeOptions.paramsJson,
  invokeOptions.image,
  invokeOptions.blackbox,
  invokeOptions.memory,
  invokeOptions.timeout,
  invokeOptions.logLimit,
  invokeOptions.maxResponse,
  invokeOptions.network,
  invokeOptions.env
] as const

export const loadOptions = {
  callers: option({ name: "callers", value: "N", description: "Callers invoking at once, each one activation after the other", default: "8" }),
  actions: option({
    name: "actions",
    value: "M",
    description: "Copies of the action, each with its own containers; a caller picks one at random per activation",
    default: "4"
  }),
  duration: option({
    name: "duration",
    value: "DURATION",
    description: "How long callers start new activations, such as 20s or 2m",
    default: "10s"
  }),
  count: option({
    name: "count",
    value: "N",
    description: "Stop after this many activations, if that comes before the duration",
    default: "no limit"
  }),
  memoryBudget: option({
    name: "memory-budget",
    value: "SIZE",
    description: "The memory all containers of the pool may reserve together",
    default: "1g"
  }),
  json: invokeOptions.json
} as const

export const load: CommandSpec = {
  path: ["load"],
  description: "Drive concurrent callers over copies of an action through a container pool and print throughput, start kinds and latency",
  forms: [`${toolName} load --blackbox --image IMAGE [options]`],
  argument: invokeArgument,
  options: [...actionOptions, ...Object.values(loadOptions)],
  subcommands: [],
  notes: [
    "The run ends after --duration (or --count activations), when the activations under way have ended; Ctrl-C " +
    "stops it sooner. Either way every container is removed.",
    "On a terminal a status line shows the elapsed time, the activations and the current rate, once a second.",
    "The exit status is 0 when every activation succeeded, 1 when some did not, 3 when none could run, 4 for a usage error."
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

export const doctorOptions = {
  json: option({
    name: "json",
    description: "Print the checks as one JSON object on stdout",
    default: "off"
  })
} as const

export const doctor: CommandSpec = {
  path: ["doctor"],
  description: "Check that actions can run here: the engine, cgroups, freezer, runtime image, registries and a trial activation",
  options: Object.values(doctorOptions),
  subcommands: [],
  notes: [
    "Each line is a check: ok, warn (works, something is missing), fail (actions cannot run) or skip; under a check " +
    "that is not ok, what to change.",
    "The trial runs one no-op activation on a real container of the runtime image (create, /init, /run, logs, " +
    "suspend, resume, /run, destroy) and says which address, log source and freezer strategy it used.",
    "The exit status is 0 when actions can run, 3 when they cannot, 4 for a usage error."
  ]
}

export const root: CommandSpec = {
  path: [],
  description: "Run OpenWhisk actions in Docker containers, the way OpenWhisk's invoker does",
  options: [],
  subcommands: [invoke, load, runtime, cleanup, doctor],
  notes: [`Run '${toolName} <command> --help' for the options of a command.`]
}
