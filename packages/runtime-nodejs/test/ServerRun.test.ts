import { assert, describe, it } from "@effect/vitest"
import { initBody, sentinel, useRuntime } from "./support/fixture.js"

const lines = (text: string) => text.split("\n").filter((line) => line !== "")

// Results chosen by the parameters, so one runtime can show several kinds in a row.
const resultByKind = `function main(params) {
  switch (params.kind) {
    case "number": return 42
    case "string": return "just a string"
    case "array": return [1, 2, 3]
    case "null": return null
    case "nothing": return
    case "error-object": return { error: "handled failure" }
    case "reject-error": return Promise.reject(new Error("rejected with Error"))
    case "reject-string": return Promise.reject("rejected with string")
    case "reject-nothing": return Promise.reject()
    case "resolve-later": return new Promise((resolve) => setTimeout(() => resolve({ later: true }), 20))
    default: return { echo: params }
  }
}`

// Holds a run until the process receives SIGUSR2, so overlapping runs need no timing.
const holdUntilSignal = `function main(params) {
  if (params.hold === undefined) return { quick: true }
  console.log("holding " + params.hold)
  return new Promise((resolve) => process.once("SIGUSR2", () => resolve({ released: params.hold })))
}`

describe("POST /run", () => {
  const { fresh, initialized } = useRuntime()

  it("answers the result and ends each activation with a sentinel after the action's output on both streams", async () => {
    const runtime = await initialized(`function main(params) {
  console.log("out " + params.n)
  console.error("err " + params.n)
  return { n: params.n }
}`)
    for (const n of [1, 2]) {
      const run = await runtime.post("/run", { value: { n } })
      assert.strictEqual(run.status, 200)
      assert.deepStrictEqual(run.json, { n })
    }
    await runtime.waitForOutput("stdout", sentinel, 2)
    await runtime.waitForOutput("stderr", sentinel, 2)
    assert.deepStrictEqual(lines(runtime.stdout()), ["out 1", sentinel, "out 2", sentinel])
    assert.deepStrictEqual(lines(runtime.stderr()), ["err 1", sentinel, "err 2", sentinel])
  })

  it("answers 502 for a throw, writes sentinels, then refuses with 403 stopped", async () => {
    const runtime = await initialized(`function main(params) {
  console.log("about to throw")
  throw new Error("kaboom")
}`)
    const run = await runtime.post("/run", { value: { name: "x" } })
    assert.strictEqual(run.status, 502)
    // The message, then where the user's code threw it (line 3, column 9 of the action), none of the runtime's frames.
    assert.deepStrictEqual(run.json, { error: "An error has occurred: Error: kaboom\n    at main (action.js:3:9)" })
    await runtime.waitForOutput("stdout", sentinel)
    await runtime.waitForOutput("stderr", sentinel)
    assert.deepStrictEqual(lines(runtime.stdout()), ["about to throw", sentinel])
    assert.match(runtime.stderr(), /^Error: kaboom\n {4}at /)

    const again = await runtime.post("/run", { value: { name: "x" } })
    assert.strictEqual(again.status, 403)
    assert.deepStrictEqual(again.json, { error: "System not ready, status is stopped." })
    const reinit = await runtime.post("/init", initBody("function main() { return {} }"))
    assert.strictEqual(reinit.status, 403)
    assert.deepStrictEqual(reinit.json, { error: "Cannot initialize the action more than once." })
  })

  it("answers 502 for a result that is not an object and stays usable", async () => {
    const runtime = await initialized(resultByKind)
    for (const [kind, logged] of [
      ["number", 'Result must be of type object but has type "number": 42'],
      ["string", 'Result must be of type object but has type "string": just a string']
    ] as const) {
      const run = await runtime.post("/run", { value: { kind } })
      assert.strictEqual(run.status, 502)
      assert.deepStrictEqual(run.json, { error: "The action did not return a dictionary." })
      await runtime.waitForOutput("stderr", logged)
    }
    const run = await runtime.post("/run", { value: { kind: "echo" } })
    assert.strictEqual(run.status, 200)
    await runtime.waitForOutput("stdout", sentinel, 3)
    await runtime.waitForOutput("stderr", sentinel, 3)
  })

  it("answers a rejected promise as 200 {error} with the serialized reason", async () => {
    const runtime = await initialized(resultByKind)
    const error = await runtime.post("/run", { value: { kind: "reject-error" } })
    assert.strictEqual(error.status, 200)
    const serialized = (error.json as { error: Record<string, unknown> }).error
    assert.deepStrictEqual(Object.keys(serialized), ["name", "message", "stack"])
    assert.strictEqual(serialized["name"], "Error")
    assert.strictEqual(serialized["message"], "rejected with Error")
    assert.match(String(serialized["stack"]), /^Error: rejected with Error\n {4}at /)

    const text = await runtime.post("/run", { value: { kind: "reject-string" } })
    assert.deepStrictEqual([text.status, text.json], [200, { error: "rejected with string" }])
    const nothing = await runtime.post("/run", { value: { kind: "reject-nothing" } })
    assert.deepStrictEqual([nothing.status, nothing.json], [200, { error: {} }])
    await runtime.waitForOutput("stdout", sentinel, 3)
  })

  it("answers null, nothing, arrays, error objects and late promises like upstream", async () => {
    const runtime = await initialized(resultByKind)
    const expected: ReadonlyArray<readonly [string, string]> = [
      ["null", "null"],
      ["nothing", "{}"],
      ["array", "[1,2,3]"],
      ["error-object", '{"error":"handled failure"}'],
      ["resolve-later", '{"later":true}']
    ]
    for (const [kind, body] of expected) {
      const run = await runtime.post("/run", { value: { kind } })
      assert.strictEqual(run.status, 200, kind)
      assert.strictEqual(run.text, body, kind)
    }
  })

  it("exports string-valued keys of /run as __OW_ variables like upstream", async () => {
    const runtime = await initialized(
      `function main(params) {
  const ow = Object.entries(process.env).filter(([k]) => k.startsWith("__OW_")).sort()
  return { params, ow: Object.fromEntries(ow) }
}`,
      { __OW_API_HOST: "https://apihost.example:443" }
    )
    const context = {
      namespace: "guest",
      action_name: "/guest/ctx",
      action_version: "0.0.1",
      activation_id: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
      transaction_id: "tid-123",
      api_key: "uuid:secret",
      deadline: "1893456000000"
    }
    const first = await runtime.post("/run", { value: { p: 1 }, ...context })
    assert.strictEqual(first.status, 200)
    assert.deepStrictEqual(first.json, {
      params: { p: 1 },
      ow: {
        __OW_ACTION_NAME: "/guest/ctx",
        __OW_ACTION_VERSION: "0.0.1",
        __OW_ACTIVATION_ID: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        __OW_API_HOST: "https://apihost.example:443",
        __OW_API_KEY: "uuid:secret",
        __OW_DEADLINE: "1893456000000",
        __OW_NAMESPACE: "guest",
        __OW_TRANSACTION_ID: "tid-123"
      }
    })

    // Non-string keys are not exported; omitted keys keep the previous activation's value.
    const second = await runtime.post("/run", {
      value: {},
      activation_id: "second",
      deadline: 1893456999999,
      extra_flag: true,
      custom_key: "custom"
    })
    const ow = (second.json as { ow: Record<string, string> }).ow
    assert.strictEqual(ow["__OW_ACTIVATION_ID"], "second")
    assert.strictEqual(ow["__OW_DEADLINE"], "1893456000000")
    assert.strictEqual(ow["__OW_CUSTOM_KEY"], "custom")
    assert.strictEqual(ow["__OW_NAMESPACE"], "guest")
    assert.notProperty(ow, "__OW_EXTRA_FLAG")
    assert.notProperty(ow, "__OW_VALUE")
  })

  it("exports the init env, turning numbers, objects and nulls into strings like upstream", async () => {
    const runtime = await fresh()
    const code = `function main() {
  const vars = ["SOME_VAR", "EMPTY_VAR", "NUM_VAR", "OBJ_VAR", "NULL_VAR", "FALSE_VAR"]
  return Object.fromEntries(vars.map((k) => [k, process.env[k]]))
}`
    const env = { SOME_VAR: "xyz", EMPTY_VAR: "", NUM_VAR: 42, OBJ_VAR: { a: 1 }, NULL_VAR: null, FALSE_VAR: false }
    const init = await runtime.post("/init", initBody(code, "main", { env }))
    assert.strictEqual(init.status, 200)
    const run = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual(run.json, {
      SOME_VAR: "xyz",
      EMPTY_VAR: "",
      NUM_VAR: "42",
      OBJ_VAR: '{"a":1}',
      NULL_VAR: "",
      FALSE_VAR: ""
    })
  })

  it("refuses a value that is not a dictionary with 403 and stays usable (upstream got stuck in running)", async () => {
    const runtime = await initialized(resultByKind)
    for (const value of ["not-a-dict", 42, true]) {
      const run = await runtime.post("/run", { value })
      assert.strictEqual(run.status, 403)
      assert.deepStrictEqual(run.json, {
        error: `Internal system error: the argument must be a dictionary but has type '${typeof value}'.`
      })
    }
    const after = await runtime.post("/run", { value: { kind: "echo" } })
    assert.strictEqual(after.status, 200)
    assert.deepStrictEqual(after.json, { echo: { kind: "echo" } })
    const noValue = await runtime.post("/run", { value: null })
    assert.deepStrictEqual([noValue.status, noValue.json], [200, { echo: {} }])
    // Only the two runs that reached the action wrote sentinels.
    await runtime.waitForOutput("stdout", sentinel, 2)
    assert.strictEqual(runtime.stdout().split(sentinel).length - 1, 2)
  })

  it("refuses an overlapping /run with 403 running by default, then serves again", async () => {
    const runtime = await initialized(holdUntilSignal)
    const held = runtime.post("/run", { value: { hold: 1 } })
    await runtime.waitForOutput("stdout", "holding 1")
    const overlapping = await runtime.post("/run", { value: {} })
    assert.strictEqual(overlapping.status, 403)
    assert.deepStrictEqual(overlapping.json, { error: "System not ready, status is running." })
    runtime.signal("SIGUSR2")
    const first = await held
    assert.deepStrictEqual([first.status, first.json], [200, { released: 1 }])
    const after = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual([after.status, after.json], [200, { quick: true }])
  })

  it("serves overlapping runs when __OW_ALLOW_CONCURRENT is true (any case)", async () => {
    const runtime = await initialized(holdUntilSignal, { __OW_ALLOW_CONCURRENT: "True" })
    const first = runtime.post("/run", { value: { hold: 1 } })
    await runtime.waitForOutput("stdout", "holding 1")
    const second = runtime.post("/run", { value: { hold: 2 } })
    await runtime.waitForOutput("stdout", "holding 2")
    const third = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual([third.status, third.json], [200, { quick: true }])
    runtime.signal("SIGUSR2")
    const answers = await Promise.all([first, second])
    assert.deepStrictEqual(
      answers.map((answer) => [answer.status, answer.json]),
      [[200, { released: 1 }], [200, { released: 2 }]]
    )
  })
})
