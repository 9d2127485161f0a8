// The help of a command, rendered from its descriptor rather than by @effect/cli (whose help repeats a generic text
// under every option, shows no defaults, has no tool name in its usage lines and colours a pipe). Imports nothing
// of Effect: it prints before Effect is loaded.
import { type CommandSpec, globalOptions, type OptionSpec, toolName } from "./commandSpec.js"

/** Where the help goes: colour only on a terminal without NO_COLOR, wrapped to its width. */
export interface Terminal {
  readonly color: boolean
  readonly width: number
}

/** Not a terminal: plain text, 80 columns. */
export const plain: Terminal = { color: false, width: 80 }

/** stdout as the process has it: its width when a terminal, else 80; colour when a terminal and NO_COLOR is unset. */
export const detect = (
  stdout: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>
): Terminal => {
  const tty = stdout.isTTY === true
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== ""
  return {
    color: tty && !noColor && env["TERM"] !== "dumb",
    width: tty && stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : 80
  }
}

const bold = (terminal: Terminal, text: string) => (terminal.color ? `\u001b[1m${text}\u001b[22m` : text)

/** Splits text into lines of at most `width` characters, at spaces (a longer word stands on its own line). */
export const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((word) => word.length > 0)) {
    if (line.length === 0) line = word
    else if (line.length + 1 + word.length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  if (line.length > 0) lines.push(line)
  return lines
}

const indentWidth = 2
const widestColumn = 28
const narrowest = 24

/** A two-column list: the terms, and their texts wrapped beside them (or below a term too wide for the column). */
const table = (terminal: Terminal, rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const column = Math.min(widestColumn, Math.max(...rows.map(([term]) => term.length))) + indentWidth + 2
  const beside = terminal.width - column >= narrowest
  const textColumn = beside ? column : indentWidth + 4
  const textWidth = Math.max(narrowest, terminal.width - textColumn)
  return rows.flatMap(([term, text]) => {
    const lines = wrap(text, textWidth)
    const head = `${" ".repeat(indentWidth)}${bold(terminal, term)}`
    const pad = " ".repeat(textColumn)
    if (beside && indentWidth + term.length + 2 <= column) {
      const [first = "", ...rest] = lines
      return [`${head}${" ".repeat(column - indentWidth - term.length)}${first}`, ...rest.map((line) => `${pad}${line}`)]
    }
    return [head, ...lines.map((line) => `${pad}${line}`)]
  })
}

const optionTerm = (option: OptionSpec) =>
  `${option.alias === undefined ? "" : `-${option.alias}, `}--${option.name}${option.value === undefined ? "" : ` ${option.value}`}`

const optionText = (option: OptionSpec) =>
  `${option.description} (${option.repeatable === true ? "repeatable; " : ""}default: ${option.default})`

const paragraph = (terminal: Terminal, text: string) => wrap(text, terminal.width)

const leaves = (command: CommandSpec): Array<CommandSpec> =>
  command.subcommands.length === 0 ? [command] : command.subcommands.flatMap(leaves)

const usageLines = (command: CommandSpec): Array<string> => {
  const name = [toolName, ...command.path].join(" ")
  if (command.subcommands.length > 0) return [`${name} <command> [options]`]
  const argument = command.argument === undefined ? "" : ` [<${command.argument.name}>]`
  return [`${name} [options]${argument}`, ...(command.forms ?? [])]
}

/** The help of a command, ending with a newline. */
export const render = (command: CommandSpec, terminal: Terminal): string => {
  const heading = (text: string) => bold(terminal, text)
  const usageIndent = "       "
  const usages = usageLines(command).flatMap((usage) =>
    wrap(usage, terminal.width - usageIndent.length - 2).map((line, index) => index === 0 ? line : `  ${line}`)
  )
  const lines: Array<string> = [
    ...usages.map((usage, index) => `${index === 0 ? heading("Usage:") : "      "} ${usage}`),
    "",
    ...paragraph(terminal, `${command.description}.`)
  ]
  if (command.argument !== undefined) {
    lines.push("", heading("Arguments:"), ...table(terminal, [[`<${command.argument.name}>`, command.argument.description]]))
  }
  if (command.subcommands.length > 0) {
    lines.push(
      "",
      heading("Commands:"),
      ...table(terminal, leaves(command).map((leaf) => [leaf.path.join(" "), leaf.description] as const))
    )
  }
  const options = [...command.options, ...(command.path.length === 0 ? globalOptions : globalOptions.filter((o) => o.name !== "version"))]
  lines.push("", heading("Options:"), ...table(terminal, options.map((option) => [optionTerm(option), optionText(option)] as const)))
  for (const note of command.notes ?? []) lines.push("", ...paragraph(terminal, note))
  return `${lines.join("\n")}\n`
}
