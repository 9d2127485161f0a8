import { assert, describe, it } from "@effect/vitest"
import type { Answer } from "./support/http.js"
import { initBody, useRuntime } from "./support/fixture.js"

const echo = "function main(params) { return { echo: params } }"

const assertJsonFraming = (answer: Answer) => {
  assert.strictEqual(answer.headers["content-type"], "application/json; charset=utf-8")
  assert.strictEqual(answer.headers["content-length"], String(answer.bytes.length))
  assert.isUndefined(answer.headers["transfer-encoding"])
}

describe("the runtime's HTTP handling", () => {
  const { fresh, initialized } = useRuntime()

  it("answers a body that is not JSON, or JSON but not an object or array, with 500 Bad request. and stays usable", async () => {
    const runtime = await fresh()
    for (const body of ["{not json", '"a string"', "42"]) {
      for (const path of ["/init", "/run"]) {
        const answer = await runtime.post(path, body)
        assert.strictEqual(answer.status, 500, `${path} ${body}`)
        assert.deepStrictEqual(answer.json, { error: "Bad request." })
      }
    }
    const init = await runtime.post("/init", initBody(echo))
    assert.strictEqual(init.status, 200)
  })

  it("answers unknown routes and methods with 500 Bad request.", async () => {
    const runtime = await initialized(echo)
    const requests = [
      ["GET", "/"],
      ["POST", "/foo"],
      ["GET", "/init"],
      ["GET", "/run"],
      ["PUT", "/run"]
    ] as const
    for (const [method, path] of requests) {
      const answer = await runtime.post(path, method === "GET" ? undefined : {}, { method })
      assert.strictEqual(answer.status, 500, `${method} ${path}`)
      assert.deepStrictEqual(answer.json, { error: "Bad request." })
    }
    const run = await runtime.post("/run/?x=1", { value: { ok: 1 } })
    assert.deepStrictEqual([run.status, run.json], [200, { echo: { ok: 1 } }])
  })

  it("calls main({}) for a /run body that is not application/json", async () => {
    const runtime = await initialized(echo)
    const run = await runtime.post("/run", JSON.stringify({ value: { ignored: true } }), { contentType: "text/plain" })
    assert.deepStrictEqual([run.status, run.json], [200, { echo: {} }])
  })

  it("frames every answer with Content-Length and application/json", async () => {
    const runtime = await fresh()
    const answers = [
      await runtime.post("/run", { value: {} }),
      await runtime.post("/init", "{bad"),
      await runtime.post("/init", initBody("function main(p) { if (p.fail) throw new Error('x'); return p }")),
      await runtime.post("/run", { value: { a: "ü€" } }),
      await runtime.post("/run", { value: { fail: true } })
    ]
    assert.deepStrictEqual(
      answers.map((answer) => answer.status),
      [403, 500, 200, 200, 502]
    )
    answers.forEach(assertJsonFraming)
  })

  it("sends a 5 MB result with a correct Content-Length", async () => {
    const runtime = await initialized("function main(p) { return { big: 'x'.repeat(p.size) } }")
    const size = 5 * 1024 * 1024
    const run = await runtime.post("/run", { value: { size } })
    assert.strictEqual(run.status, 200)
    assertJsonFraming(run)
    assert.strictEqual(run.bytes.length, size + '{"big":""}'.length)
    assert.strictEqual((run.json as { big: string }).big.length, size)
  })

  it("accepts a body up to 48 MiB and answers a larger one with 500 Bad request.", async () => {
    const runtime = await initialized("function main(p) { return { len: p.s.length } }")
    const limit = 48 * 1024 * 1024
    const envelope = '{"value":{"s":""}}'.length
    const atLimit = `{"value":{"s":"${"a".repeat(limit - envelope)}"}}`
    const accepted = await runtime.post("/run", atLimit)
    assert.deepStrictEqual([accepted.status, accepted.json], [200, { len: limit - envelope }])
    const tooLarge = await runtime.post("/run", `{"value":{"s":"${"a".repeat(limit - envelope + 1)}"}}`)
    assert.deepStrictEqual([tooLarge.status, tooLarge.json], [500, { error: "Bad request." }])
    const after = await runtime.post("/run", { value: { s: "abc" } })
    assert.deepStrictEqual(after.json, { len: 3 })
  })

  it("exits promptly on SIGTERM", async () => {
    const runtime = await initialized(echo)
    runtime.signal("SIGTERM")
    const exit = await Promise.race([
      runtime.exited,
      new Promise((resolve) => setTimeout(() => resolve("still running after 5 s"), 5_000))
    ])
    assert.strictEqual(exit, 143)
  })
})
