// Syntax errors and thrown errors name the action's file, line and column, in plain code and in archives, with the
// user's frames only; the answers keep OpenWhisk's shape (the text in `error`).
import { assert, describe, it } from "@effect/vitest"
import { tarGzBase64, zipBase64 } from "./support/archives.js"
import { initBody, sentinel, useRuntime } from "./support/fixture.js"

const archiveInit = (code: string) => ({ value: { name: "archive", main: "main", binary: true, code } })

const errorOf = (json: unknown) => (json as { error: string }).error

describe("errors in the user's code", () => {
  const { fresh, initialized } = useRuntime()

  it("a syntax error in plain code: /init answers 502 with the message and action.js:line:column", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody("function main(params) {\n  return { a: 1 }}}\n"))
    assert.strictEqual(init.status, 502)
    assert.strictEqual(
      errorOf(init.json),
      "Initialization has failed due to: SyntaxError: Unexpected token '}'\n    at action.js:2:19"
    )
    await runtime.waitForOutput("stderr", sentinel)
    assert.include(runtime.stderr(), "Error during initialization: SyntaxError: Unexpected token '}'\n    at action.js:2:19")
  })

  it("code that ends too early: the end of the input is the location", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody("function main(params) {\n  return { a: 1 \n"))
    assert.strictEqual(errorOf(init.json), "Initialization has failed due to: SyntaxError: Unexpected end of input\n    at action.js:3:1")
  })

  it("an error thrown while loading plain code: its frames in action.js, not the runtime's", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody('const x = 1\nthrow new Error("boom at load time")\nfunction main(p) { return p }'))
    assert.strictEqual(errorOf(init.json), "Initialization has failed due to: Error: boom at load time\n    at action.js:2:7")
  })

  it("an error thrown by main through a helper: every user frame, innermost first", async () => {
    const runtime = await initialized("function check(p) {\n  if (!p.name) throw new TypeError('name is required')\n}\nfunction main(p) {\n  check(p)\n  return {}\n}")
    const run = await runtime.post("/run", { value: {} })
    assert.strictEqual(run.status, 502)
    assert.strictEqual(
      errorOf(run.json),
      "An error has occurred: TypeError: name is required\n    at check (action.js:2:22)\n    at main (action.js:5:3)"
    )
  })

  it("a rejection keeps {name, message, stack} with the stack in the user's frames", async () => {
    const runtime = await initialized("async function main() {\n  await null\n  throw new RangeError('too far')\n}")
    const run = await runtime.post("/run", { value: {} })
    assert.strictEqual(run.status, 200)
    assert.deepStrictEqual(run.json, {
      error: { name: "RangeError", message: "too far", stack: "RangeError: too far\n    at main (action.js:3:9)" }
    })
  })

  it("a syntax error in a zip's index.js: its path inside the archive, line and column", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", archiveInit(zipBase64({ "index.js": "exports.main = () => {\n  return { a: 1 }}}\n" })))
    assert.strictEqual(init.status, 502)
    assert.strictEqual(
      errorOf(init.json),
      "Initialization has failed due to: SyntaxError: Unexpected token '}'\n    at index.js:2:19"
    )
  })

  it("a syntax error in a file package.json's main requires: that file's path inside the archive", async () => {
    const runtime = await fresh()
    const code = await tarGzBase64({
      "package.json": JSON.stringify({ name: "a", main: "lib/entry.js" }),
      "lib/entry.js": "const helper = require('./helper')\nexports.main = () => helper()\n",
      "lib/helper.js": "module.exports = function () {\n  return {\n    a: 1,,\n  }\n}\n"
    })
    const init = await runtime.post("/init", archiveInit(code))
    assert.strictEqual(errorOf(init.json), "Initialization has failed due to: SyntaxError: Unexpected token ','\n    at lib/helper.js:3:10")
  })

  it("an error thrown in an archive's module: the user's frames across its files", async () => {
    const runtime = await fresh()
    const code = zipBase64({
      "package.json": JSON.stringify({ name: "a", main: "lib/entry.js" }),
      "lib/entry.js": "const { fail } = require('./fail')\nexports.main = (p) => {\n  return fail(p)\n}\n",
      "lib/fail.js": "exports.fail = () => {\n  throw new Error('failed in lib/fail.js')\n}\n"
    })
    const init = await runtime.post("/init", archiveInit(code))
    assert.strictEqual(init.status, 200, init.text)
    const run = await runtime.post("/run", { value: {} })
    assert.strictEqual(
      errorOf(run.json),
      "An error has occurred: Error: failed in lib/fail.js\n    at exports.fail (lib/fail.js:2:9)\n    at exports.main (lib/entry.js:3:10)"
    )
  })
})
