import { assert, describe, it } from "@effect/vitest"
import { initBody, sentinel, useRuntime } from "./support/fixture.js"

const hello = `function main(params) {
  console.log("stdout line, name=" + params.name)
  console.error("stderr line")
  return { greeting: "hello " + params.name }
}`

describe("POST /init", () => {
  const { fresh, initialized } = useRuntime()

  it("answers 200 {OK:true} and writes no sentinel", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody(hello))
    assert.strictEqual(init.status, 200)
    assert.deepStrictEqual(init.json, { OK: true })
    // The run's sentinel is the first and only one on each stream, so /init wrote none.
    await runtime.post("/run", { value: { name: "x" } })
    await runtime.waitForOutput("stdout", sentinel)
    await runtime.waitForOutput("stderr", sentinel)
    assert.strictEqual(runtime.stdout(), `stdout line, name=x\n${sentinel}\n`)
    assert.strictEqual(runtime.stderr(), `stderr line\n${sentinel}\n`)
  })

  it("refuses a second /init with 403 and stays usable", async () => {
    const runtime = await initialized(hello)
    const again = await runtime.post("/init", initBody("function main() { return { replaced: true } }"))
    assert.strictEqual(again.status, 403)
    assert.deepStrictEqual(again.json, { error: "Cannot initialize the action more than once." })
    await runtime.waitForOutput("stderr", "Internal system error: Cannot initialize the action more than once.")
    const run = await runtime.post("/run", { value: { name: "still-works" } })
    assert.strictEqual(run.status, 200)
    assert.deepStrictEqual(run.json, { greeting: "hello still-works" })
  })

  it("refuses /init without main or code with 403 and can still be initialized afterwards", async () => {
    const runtime = await fresh()
    const missing = [
      {},
      { value: {} },
      { value: { main: "main", code: "", binary: false } },
      { value: { name: "n", main: "main", binary: false, code: null, env: null } },
      { value: { main: 42, code: "function main() {}" } }
    ]
    for (const body of missing) {
      const answer = await runtime.post("/init", body)
      assert.strictEqual(answer.status, 403, JSON.stringify(body))
      assert.deepStrictEqual(answer.json, { error: "Missing main/no code to execute." })
    }
    const notJson = await runtime.post("/init", JSON.stringify(initBody(hello)), { contentType: "text/plain" })
    assert.strictEqual(notJson.status, 403)
    assert.deepStrictEqual(notJson.json, { error: "Missing main/no code to execute." })
    const init = await runtime.post("/init", initBody(hello))
    assert.strictEqual(init.status, 200)
  })

  it("answers /run before /init with 403 System not initialized.", async () => {
    const runtime = await fresh()
    const run = await runtime.post("/run", { value: { name: "x" } })
    assert.strictEqual(run.status, 403)
    assert.deepStrictEqual(run.json, { error: "System not initialized." })
    assert.notInclude(runtime.stdout(), sentinel)
  })

  it("fails a syntax error with 502, writes sentinels on both streams and stops the runtime", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody("function main(params) { return {a: 1 "))
    assert.strictEqual(init.status, 502)
    const error = (init.json as { error: string }).error
    assert.match(error, /^Initialization has failed due to: SyntaxError: /)
    await runtime.waitForOutput("stdout", sentinel)
    await runtime.waitForOutput("stderr", sentinel)
    assert.match(runtime.stderr(), /^Error during initialization: SyntaxError/)
    assert.isTrue(runtime.stderr().trimEnd().endsWith(sentinel))

    const reinit = await runtime.post("/init", initBody(hello))
    assert.strictEqual(reinit.status, 403)
    assert.deepStrictEqual(reinit.json, { error: "System not ready, status is stopped." })
    const run = await runtime.post("/run", { value: {} })
    assert.strictEqual(run.status, 403)
    assert.deepStrictEqual(run.json, { error: "System not initialized." })
  })

  it("fails an entry point that is not a function with upstream's message", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody("function main(p) { return p }", "nope"))
    assert.strictEqual(init.status, 502)
    assert.deepStrictEqual(init.json, {
      error: "Initialization has failed due to: Action entrypoint 'nope' is not a function."
    })
  })

  it("fails code that throws while loading, with the error's stack", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody('throw new Error("boom at load time"); function main(p) { return p }'))
    assert.strictEqual(init.status, 502)
    assert.match((init.json as { error: string }).error, /^Initialization has failed due to: Error: boom at load time\n {4}at /)
  })

  it("fails code that throws a value String() cannot convert, still with 502", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", initBody("throw Object.create(null)"))
    assert.strictEqual(init.status, 502)
    assert.deepStrictEqual(init.json, { error: "Initialization has failed due to: [object Object]" })
    const again = await runtime.post("/init", initBody("function main() {}"))
    assert.deepStrictEqual(again.json, { error: "System not ready, status is stopped." })
  })

  it("finds main assigned to module.exports or exports", async () => {
    for (const code of [
      "module.exports.handler = (p) => ({ via: 'module.exports', p })",
      "exports.handler = (p) => ({ via: 'exports', p })"
    ]) {
      const runtime = await fresh()
      const init = await runtime.post("/init", initBody(code, "handler"))
      assert.strictEqual(init.status, 200, init.text)
      const run = await runtime.post("/run", { value: { n: 1 } })
      assert.strictEqual(run.status, 200)
      assert.deepStrictEqual((run.json as { p: unknown }).p, { n: 1 })
    }
  })

  it("gives the code CommonJS require for node modules", async () => {
    const runtime = await initialized(`const os = require("node:os")
function main() { return { eol: os.EOL } }`)
    const run = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual(run.json, { eol: "\n" })
  })
})
