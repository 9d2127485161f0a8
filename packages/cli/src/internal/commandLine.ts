// The first look at a command line, before @effect/cli parses it: which command it names, whether it asks for help or
// the version, and every unknown word, told with the closest valid one. Imports nothing of Effect, so that help,
// the version and these mistakes are answered at once.
import { type CommandSpec, globalOptions, type OptionSpec, root, toolName, version } from "./commandSpec.js"
import * as Help from "./help.js"

export type Checked =
  | { readonly _tag: "Help"; readonly command: CommandSpec }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Invalid"; readonly command: CommandSpec; readonly message: string }
  | { readonly _tag: "Run"; readonly command: CommandSpec }

const booleanWords = new Set(["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"])

/** The edit distance between two words (insertions, deletions, substitutions). */
export const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/** The candidate a mistyped word most likely meant: one it starts, or one a few edits away; none when all are far. */
export const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const prefixed = candidates.filter((candidate) => word.length >= 3 && candidate.startsWith(word))
  if (prefixed.length === 1) return prefixed[0]
  const scored = candidates
    .map((candidate) => [candidate, distance(word, candidate)] as const)
    .filter(([candidate, edits]) => edits <= Math.max(2, Math.floor(Math.max(word.length, candidate.length) / 3)))
    .sort((a, b) => a[1] - b[1])
  return scored[0]?.[0]
}

const commandName = (command: CommandSpec) => [toolName, ...command.path].join(" ")

const seeHelp = (command: CommandSpec) => `See '${commandName(command)} --help'.`

const optionsOf = (command: CommandSpec): ReadonlyArray<OptionSpec> => [...command.options, ...globalOptions]

const unknownOption = (word: string, command: CommandSpec): string => {
  const names = optionsOf(command).map((option) => `--${option.name}`)
  const suggestion = word.startsWith("--") ? closest(word.split("=")[0]!, names) : undefined
  return `unknown option '${word}' for ${commandName(command)}${suggestion === undefined ? "." : `; did you mean '${suggestion}'?`} ${seeHelp(command)}`
}

const unknownCommand = (word: string, command: CommandSpec): string => {
  const names = command.subcommands.map((sub) => sub.path.at(-1)!)
  const suggestion = closest(word, names)
  const listed = names.map((name) => `'${name}'`).join(", ")
  const hint = suggestion === undefined ? `the commands are ${listed}.` : `did you mean '${suggestion}'?`
  return `unknown command '${word}' for ${commandName(command)}; ${hint} ${seeHelp(command)}`
}

const findOption = (command: CommandSpec, word: string): OptionSpec | undefined =>
  optionsOf(command).find((option) =>
    word.startsWith("--") ? option.name === word.slice(2) : option.alias !== undefined && option.alias === word.slice(1)
  )

/** Looks at the arguments after the tool's name. */
export const check = (args: ReadonlyArray<string>): Checked => {
  let command = root
  let argument: string | undefined
  let wantsHelp = false
  let wantsVersion = false
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!
    if (word.startsWith("-") && word.length > 1) {
      const [name = word, inline] = word.startsWith("--") && word.includes("=")
        ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]
        : [word, undefined]
      const option = findOption(command, name)
      if (option === undefined) return { _tag: "Invalid", command, message: unknownOption(word, command) }
      if (option.name === "help") wantsHelp = true
      if (option.name === "version") wantsVersion = true
      if (option.value !== undefined) {
        if (inline === undefined && index + 1 >= args.length) {
          return { _tag: "Invalid", command, message: `${name} needs a value (${option.value}). ${seeHelp(command)}` }
        }
        const value = inline ?? args[++index]!
        if (option.choices !== undefined && !option.choices.includes(value)) {
          const suggestion = closest(value, option.choices)
          const hint = suggestion === undefined ? "" : ` Did you mean '${suggestion}'?`
          return {
            _tag: "Invalid",
            command,
            message: `${name} '${value}' is not one of ${option.choices.join(", ")}.${hint} ${seeHelp(command)}`
          }
        }
      } else if (inline !== undefined && !booleanWords.has(inline)) {
        return { _tag: "Invalid", command, message: `${name} takes no value (or true or false), not '${inline}'. ${seeHelp(command)}` }
      } else if (inline === undefined && booleanWords.has(args[index + 1] ?? "")) {
        index++
      }
      continue
    }
    if (command.subcommands.length > 0) {
      const sub = command.subcommands.find((candidate) => candidate.path.at(-1) === word)
      if (sub === undefined) {
        if (wantsHelp) break
        return { _tag: "Invalid", command, message: unknownCommand(word, command) }
      }
      command = sub
    } else if (command.argument !== undefined && argument === undefined) {
      argument = word
    } else {
      const takes = command.argument === undefined ? "takes no arguments" : `takes one <${command.argument.name}>`
      return { _tag: "Invalid", command, message: `unexpected argument '${word}': ${commandName(command)} ${takes}. ${seeHelp(command)}` }
    }
  }
  if (wantsHelp) return { _tag: "Help", command }
  if (wantsVersion) return { _tag: "Version" }
  if (command.subcommands.length > 0) return { _tag: "Help", command }
  return { _tag: "Run", command }
}

/** What the process prints and exits with for a command line that needs no command to run. */
export interface Answer {
  readonly stdout: string
  readonly stderr: string
  readonly status: number
}

const usageErrorStatus = 4

/** Answers help, the version and a mistyped command line; `undefined` when a command is to run. */
export const answer = (args: ReadonlyArray<string>, terminal: Help.Terminal): Answer | undefined => {
  const checked = check(args)
  switch (checked._tag) {
    case "Help":
      return { stdout: Help.render(checked.command, terminal), stderr: "", status: 0 }
    case "Version":
      return { stdout: `${version}\n`, stderr: "", status: 0 }
    case "Invalid":
      return { stdout: "", stderr: `${toolName}: ${checked.message}\n`, status: usageErrorStatus }
    case "Run":
      return undefined
  }
}
