import { DockerEngine } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { layers, runCli } from "./support/mockWhisk.js"

const hello = fileURLToPath(new URL("../../../examples/hello.js", import.meta.url))

// Each case: the command line, and what the message on stderr must say.
const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
  [["invoke"], "Name the action to invoke"],
  [["invoke", "no/such/action.js"], "Cannot read the action no/such/action.js: no such file or directory"],
  [["invoke", hello, "--memory", "lots"], "--memory 'lots' is not a size"],
  [["invoke", hello, "--memory", "1m"], "below the engine's minimum of 6 MB"],
  [["invoke", hello, "--timeout", "60"], "--timeout '60' is not a duration"],
  [["invoke", hello, "--log-limit", "10x"], "--log-limit '10x' is not a size"],
  [["invoke", hello, "--max-response", "0"], "--max-response must be more than 0 bytes"],
  [["invoke", hello, "--repeat", "0"], "--repeat '0' is not a whole number of at least 1"],
  [["invoke", hello, "--param", "novalue"], "--param expects KEY=VALUE, got 'novalue'"],
  [["invoke", hello, "--params-json", "[]"], "--params-json must be a JSON object"],
  [["invoke", hello, "--env", "1BAD=x"], "--env: Invalid environment variable '1BAD'"],
  [["invoke", hello, "--image", "Not An Image"], "--image: Invalid image name 'Not An Image'"],
  [["invoke", hello, "--blackbox"], "--blackbox needs the user's image: add --image IMAGE"],
  [["invoke", hello, "--network", " "], "--network must name a network"],
  [["invoke", hello, "--frobnicate"], "effect-whisk: unknown option '--frobnicate' for effect-whisk invoke. See 'effect-whisk invoke --help'."],
  [["invoke", hello, "--parm", "x=1"], "effect-whisk: unknown option '--parm' for effect-whisk invoke; did you mean '--param'? See 'effect-whisk invoke --help'."],
  [["invoke", hello, "another.js"], "effect-whisk: unexpected argument 'another.js': effect-whisk invoke takes one <action.js | folder | .zip>."],
  [["invoke", hello, "--memory"], "effect-whisk: --memory needs a value (SIZE). See 'effect-whisk invoke --help'."],
  [["deploy"], "effect-whisk: unknown command 'deploy' for effect-whisk; the commands are 'invoke', 'load', 'runtime', 'cleanup', 'doctor'."],
  [["laod", hello], "effect-whisk: unknown command 'laod' for effect-whisk; did you mean 'load'? See 'effect-whisk --help'."],
  [["load", hello, "--caller", "3"], "did you mean '--callers'?"],
  [["invok", hello], "effect-whisk: unknown command 'invok' for effect-whisk; did you mean 'invoke'? See 'effect-whisk --help'."],
  [["runtime", "biuld"], "did you mean 'build'?"],
  [["invoke", hello, "--json=maybe"], "effect-whisk: --json takes no value (or true or false), not 'maybe'."],
  [["cleanup", "extra"], "effect-whisk: unexpected argument 'extra': effect-whisk cleanup takes no arguments."],
  [["invoke", hello, "--log-level", "debgu"], "effect-whisk: --log-level 'debgu' is not one of all, trace, debug, info, warning, error, fatal, none. Did you mean 'debug'?"]
]

describe("usage errors", () => {
  for (const [args, message] of cases) {
    it.live(`effect-whisk ${args.join(" ").replace(hello, "hello.js")} exits with 4 and says what to change`, () =>
      Effect.gen(function*() {
        const { status, stderr, stdout } = yield* runCli(...args)
        assert.strictEqual(status, 4)
        assert.include(stderr, message)
        assert.strictEqual(stdout, "")
        // Nothing reached the engine.
        assert.strictEqual((yield* (yield* DockerEngine.DockerEngineCalls).all).length, 0)
      }).pipe(Effect.provide(layers())))
  }

  it.live("--help prints the options and exits with 0", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", "--help")
      assert.strictEqual(status, 0)
      for (const option of ["--param KEY=VALUE", "--repeat N", "--no-suspend", "--keep", "--json", "--blackbox"]) {
        assert.include(stdout, option)
      }
    }).pipe(Effect.provide(layers())))
})
