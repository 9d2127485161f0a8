// An action's syntax error or thrown error is printed as its message and the user's frames, at the paths the user
// gave (the .js file, a file in the folder, a file in the zip), with line and column.
import { ContainerResponse } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ActionError from "../src/internal/actionError.js"
import type { ActionSource } from "../src/internal/actionSource.js"
import { writeZip } from "../src/internal/zipArchive.js"
import { containersNamed, engineAnswers, removeContainersNamed, requireDocker, runBuiltCli } from "./support/builtCli.js"
import { layers, runCli } from "./support/mockWhisk.js"

const action = (kind: ActionSource["kind"], location: string): ActionSource => ({
  name: "a",
  code: "",
  binary: kind !== "source",
  kind,
  location
})

describe("the runtime's error text in the user's paths", () => {
  const text = "An error has occurred: Error: no\n    at check (lib/x.js:2:9)\n    at lib/x.js:7:1\n    at main (index.js:3:5)"

  it("a .js file: action.js is the file given", () => {
    assert.strictEqual(
      ActionError.inUserPaths("SyntaxError: Unexpected token '}'\n    at action.js:2:19", action("source", "src/bad.js")),
      "SyntaxError: Unexpected token '}'\n    at src/bad.js:2:19"
    )
  })

  it("a folder: paths inside it", () => {
    assert.strictEqual(
      ActionError.inUserPaths(text, action("folder", "my-action/")),
      "An error has occurred: Error: no\n    at check (my-action/lib/x.js:2:9)\n    at my-action/lib/x.js:7:1\n    at main (my-action/index.js:3:5)"
    )
  })

  it("a zip: paths inside the archive, after its name", () => {
    assert.strictEqual(
      ActionError.inUserPaths(text, action("zip", "dist/a.zip")),
      "An error has occurred: Error: no\n    at check (dist/a.zip/lib/x.js:2:9)\n    at dist/a.zip/lib/x.js:7:1\n    at main (dist/a.zip/index.js:3:5)"
    )
  })

  it("only a result that is just an error is an error text", () => {
    assert.strictEqual(ActionError.errorText({ error: "boom" }), "boom")
    assert.strictEqual(ActionError.errorText({ error: { name: "E", message: "m", stack: "E: m\n    at f (action.js:1:1)" } }), "E: m\n    at f (action.js:1:1)")
    assert.isUndefined(ActionError.errorText({ error: "boom", detail: 1 }))
    assert.isUndefined(ActionError.errorText({ greeting: "hi" }))
    assert.isUndefined(ActionError.errorText({ error: { code: 1 } }))
  })

  it.live("invoke prints the error's lines at the file given instead of the answer's JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-action-errors-"))
    const file = join(dir, "bad.js")
    writeFileSync(file, "function main() {\n  return { a: 1 }}}\n")
    const answer = "Initialization has failed due to: SyntaxError: Unexpected token '}'\n    at action.js:2:19"
    return Effect.gen(function*() {
      const { status, stdout } = yield* runCli("invoke", file)
      assert.strictEqual(status, 2)
      assert.include(stdout, `error\n  Initialization has failed due to: SyntaxError: Unexpected token '}'\n      at ${file}:2:19\n`)
      assert.notInclude(stdout, "\\n")
    }).pipe(
      Effect.provide(layers({
        respond: () => Effect.succeed(ContainerResponse.make(502, JSON.stringify({ error: answer })))
      })),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  })
})

// Against the real engine and the runtime image: what a user sees.
describe("the built command on the real engine", () => {
  const prefix = `cli-action-errors-${randomBytes(4).toString("hex")}`
  const invoke = (location: string) =>
    runBuiltCli(["invoke", location], { EFFECT_WHISK_CONTAINER_NAME_PREFIX: prefix }).pipe(
      Effect.tap(() =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* containersNamed(prefix), [])
        })
      ),
      Effect.ensuring(removeContainersNamed(prefix))
    )
  const withDir = <A, E>(use: (dir: string) => Effect.Effect<A, E>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "cli-action-errors-"))),
      use,
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )

  // Skip reason: no Docker engine on this developer machine; never under CI or scripts/test.sh (requireDocker).
  it.live.skipIf(!engineAnswers && !requireDocker)("a syntax error in a .js file: its path, line and column", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const file = join(dir, "bad.js")
        writeFileSync(file, "function main(params) {\n  return { a: 1 }}}\n")
        const finished = yield* invoke(file)
        assert.strictEqual(finished.status, 2, finished.stderr)
        assert.include(finished.stdout, `SyntaxError: Unexpected token '}'\n      at ${file}:2:19\n`)
        assert.notInclude(finished.stdout, "/nodejsAction/")
      })), 120_000)

  // Skip reason: as above.
  it.live.skipIf(!engineAnswers && !requireDocker)("an error thrown in a folder's module: the user's frames in the folder", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const folder = join(dir, "action")
        mkdirSync(join(folder, "lib"), { recursive: true })
        writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "a", main: "lib/entry.js" }))
        writeFileSync(join(folder, "lib", "entry.js"), "const { fail } = require('./fail')\nexports.main = (p) => {\n  return fail(p)\n}\n")
        writeFileSync(join(folder, "lib", "fail.js"), "exports.fail = () => {\n  throw new Error('failed here')\n}\n")
        const finished = yield* invoke(folder)
        assert.strictEqual(finished.status, 2, finished.stderr)
        assert.include(
          finished.stdout,
          `An error has occurred: Error: failed here\n      at exports.fail (${folder}/lib/fail.js:2:9)\n      at exports.main (${folder}/lib/entry.js:3:10)\n`
        )
      })), 120_000)

  // Skip reason: as above.
  it.live.skipIf(!engineAnswers && !requireDocker)("a syntax error in a zip's index.js: the path inside the zip", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const zip = join(dir, "action.zip")
        const data = new TextEncoder().encode("exports.main = () => {\n  return { a: 1,, }\n}\n")
        writeFileSync(zip, writeZip([{ name: "index.js", data, mode: 0o100644 }]))
        const finished = yield* invoke(zip)
        assert.strictEqual(finished.status, 2, finished.stderr)
        assert.include(finished.stdout, `SyntaxError: Unexpected token ','\n      at ${zip}/index.js:2:17\n`)
      })), 120_000)
})
