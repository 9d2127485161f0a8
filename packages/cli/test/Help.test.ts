// The help and the usage errors as the built command prints them: piped (plain, 80 columns) and on a pseudo-terminal
// made by util-linux's `script` (bold headings, the terminal's width), with and without NO_COLOR.
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as CommandLine from "../src/internal/commandLine.js"
import * as Spec from "../src/internal/commandSpec.js"
import * as Help from "../src/internal/help.js"
import { repositoryRoot, runBuiltCli } from "./support/builtCli.js"

const bin = fileURLToPath(new URL("../bin/effect-whisk.js", import.meta.url))
const escape = "\u001b["
const hasScript = spawnSync("script", ["--version"]).status === 0

/** Runs the built command on a pseudo-terminal of `columns` columns; gives what the terminal showed, without \r. */
const onTerminal = (args: ReadonlyArray<string>, columns: number, env: Readonly<Record<string, string>> = {}) => {
  const command = `stty cols ${columns}; ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${args.join(" ")}`
  const env_ = { ...process.env, ...env }
  if (env["NO_COLOR"] === undefined) delete env_["NO_COLOR"]
  const finished = spawnSync("script", ["-qec", command, "/dev/null"], {
    cwd: repositoryRoot,
    env: { ...env_, TERM: "xterm" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"]
  })
  return { status: finished.status, text: finished.stdout.replace(/\r\n/g, "\n") }
}

const widest = (text: string) => Math.max(...text.split("\n").map((line) => line.replaceAll(/\u001b\[[0-9;]*m/g, "").length))

describe("help", () => {
  it("names the tool in every usage line, gives each option one description with its default and marks the repeatable ones", () => {
    const text = Help.render(Spec.invoke, Help.plain)
    assert.match(text, /^Usage: effect-whisk invoke \[options\]/)
    assert.notInclude(text, "A user-defined piece of text")
    assert.notInclude(text, "This setting is optional")
    const entries = text.slice(text.indexOf("Options:")).split(/\n(?= {2}-)/).map((entry) => entry.replace(/\s+/g, " "))
    for (const option of Spec.invoke.options) {
      const described = entries.filter((entry) => entry.startsWith(` --${option.name} `))
      assert.strictEqual(described.length, 1, option.name)
      assert.include(described[0], `default: ${option.default})`, option.name)
    }
    assert.match(text.replace(/\s+/g, " "), /--param KEY=VALUE .*\(repeatable; default: none\)/)
    assert.match(text.replace(/\s+/g, " "), /--env K=V .*\(repeatable; default: none\)/)
  })

  it("wraps to the width it is given", () => {
    for (const width of [60, 80, 120]) {
      assert.isAtMost(widest(Help.render(Spec.invoke, { color: false, width })), width)
    }
  })

  it("colours only on a terminal without NO_COLOR, 80 columns when not a terminal", () => {
    assert.deepStrictEqual(Help.detect({ isTTY: true, columns: 120 }, {}), { color: true, width: 120 })
    assert.deepStrictEqual(Help.detect({ isTTY: true, columns: 120 }, { NO_COLOR: "1" }), { color: false, width: 120 })
    assert.deepStrictEqual(Help.detect({ isTTY: false, columns: 120 }, {}), { color: false, width: 80 })
    assert.deepStrictEqual(Help.detect({}, {}), { color: false, width: 80 })
  })

  it("suggests the closest option and command", () => {
    assert.strictEqual(CommandLine.closest("--parm", ["--param", "--params-json", "--memory"]), "--param")
    assert.strictEqual(CommandLine.closest("--mem", ["--param", "--memory"]), "--memory")
    assert.strictEqual(CommandLine.closest("clenup", ["invoke", "runtime", "cleanup"]), "cleanup")
    assert.strictEqual(CommandLine.closest("laod", ["invoke", "load", "runtime", "cleanup"]), "load")
    assert.strictEqual(CommandLine.closest("--caller", ["--callers", "--actions", "--count"]), "--callers")
    assert.isUndefined(CommandLine.closest("--frobnicate", ["--param", "--memory"]))
  })
})

describe("the built command's help and errors, piped", () => {
  for (const [name, args] of [["top", ["--help"]], ["invoke", ["invoke", "--help"]], ["load", ["load", "--help"]], ["runtime build", ["runtime", "build", "-h"]]] as const) {
    it.live(`${name}: plain text within 80 columns, the same with NO_COLOR`, () =>
      Effect.gen(function*() {
        const piped = yield* runBuiltCli(args, {})
        const noColor = yield* runBuiltCli(args, { NO_COLOR: "1" })
        assert.strictEqual(piped.status, 0)
        assert.notInclude(piped.stdout, escape)
        assert.isAtMost(widest(piped.stdout), 80)
        assert.strictEqual(noColor.stdout, piped.stdout)
        expect(piped.stdout).toMatchSnapshot()
      }))
  }

  it.live("a mistyped option: one line on stderr with the closest option and --help, exit status 4", () =>
    Effect.gen(function*() {
      const finished = yield* runBuiltCli(["invoke", "examples/hello.js", "--parm", "name=you"], {})
      assert.strictEqual(finished.status, 4)
      assert.strictEqual(finished.stdout, "")
      expect(finished.stderr).toMatchSnapshot()
    }))

  it.live("a mistyped command and --version", () =>
    Effect.gen(function*() {
      const command = yield* runBuiltCli(["clenup"], {})
      assert.strictEqual(command.status, 4)
      expect(command.stderr).toMatchSnapshot()
      const version = yield* runBuiltCli(["--version"], {})
      assert.deepStrictEqual([version.status, version.stdout], [0, `${Spec.version}\n`])
    }))
})

// Skip reason: util-linux's `script` is not installed on this machine (it makes the pseudo-terminal).
describe.skipIf(!hasScript)("the built command's help on a pseudo-terminal", () => {
  it("bold headings, wrapped to the terminal's 100 columns", () => {
    const { status, text } = onTerminal(["invoke", "--help"], 100)
    assert.strictEqual(status, 0)
    assert.include(text, `${escape}1mUsage:${escape}22m effect-whisk invoke`)
    assert.isAtMost(widest(text), 100)
    assert.isAbove(widest(text), 80)
    expect(text).toMatchSnapshot()
  })

  it("no colour with NO_COLOR, still the terminal's width", () => {
    const { status, text } = onTerminal(["invoke", "--help"], 100, { NO_COLOR: "1" })
    assert.strictEqual(status, 0)
    assert.notInclude(text, escape)
    assert.isAbove(widest(text), 80)
    expect(text).toMatchSnapshot()
  })

  it("a mistyped option on a terminal: the same plain message", () => {
    const { status, text } = onTerminal(["invoke", "examples/hello.js", "--parm", "x=1"], 100)
    assert.strictEqual(status, 4)
    expect(text).toMatchSnapshot()
  })
})
