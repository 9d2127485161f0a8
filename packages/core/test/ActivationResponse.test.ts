import { ActivationResponse, ByteSize, ConnectionFailure, ContainerResponse, Messages } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Option } from "effect"

const { processInitResponseContent: init, processRunResponseContent: run } = ActivationResponse

const response = (status: number, entity: string) => Either.right(ContainerResponse.make(status, entity))
const failures = [
  new ConnectionFailure.ConnectionError({ target: "t" }),
  new ConnectionFailure.NoResponseReceived({ target: "t" }),
  new ConnectionFailure.Timeout({ target: "t", timeoutMillis: 1 })
]
const errorOf = (r: ActivationResponse.ActivationResponse) => (r.result as { error: unknown }).error

describe("ActivationResponse", () => {
  it("T81 interprets a truncated response: developer error on init, application error on run", () => {
    for (const m of ["abcdef", `{"msg":"abcedf"}`, `["a","b","c","d","e"]`]) {
      const truncated = Option.some({ length: ByteSize.bytes(m.length), max: ByteSize.bytes(5) })
      const expected = Messages.truncatedResponseWithPrefix(m.slice(0, 4), ByteSize.bytes(m.length), ByteSize.bytes(5))
      const initResult = init(Either.right(ContainerResponse.make(500, m.slice(0, 4), truncated)))
      assert.strictEqual(initResult.statusCode, 2)
      assert.strictEqual(errorOf(initResult), expected)
      assert.isAbove(initResult.size ?? 0, 0)
      const runResult = run(Either.right(ContainerResponse.make(200, m.slice(0, 4), truncated)))
      assert.strictEqual(runResult.statusCode, 1)
      assert.strictEqual(errorOf(runResult), expected)
    }
    assert.strictEqual(
      Messages.truncatedResponseWithPrefix("abcd", ByteSize.bytes(6), ByteSize.bytes(5)),
      "The action produced a response that exceeded the allowed length: 6 > 5 bytes. The truncated response was: abcd"
    )
  })

  it("T82 a failed init without response did not initialize", () => {
    for (const failure of failures) {
      const r = init(Either.left(failure))
      assert.strictEqual(r.statusCode, 2)
      assert.strictEqual(errorOf(r), "The action did not initialize and exited unexpectedly.")
    }
  })

  it("T83/T84 a failed init with an empty answer", () => {
    const r = init(response(500, ""))
    assert.strictEqual(r.statusCode, 2)
    assert.strictEqual(errorOf(r), "The action failed during initialization.")
    assert.notInclude(JSON.stringify(r.result), "null")
  })

  it("T85 a failed init with a non-empty string", () => {
    const r = init(response(500, "string"))
    assert.deepStrictEqual([r.statusCode, errorOf(r), r.size], [2, "The action failed during initialization: string", 6])
  })

  it("T86 a failed init with JSON that is not an object", () => {
    assert.strictEqual(errorOf(init(response(500, "[1]"))), "The action failed during initialization: [1]")
  })

  it("T87 a failed init with an error object keeps the error", () => {
    const r = init(response(502, `{"error":"foobar"}`))
    assert.deepStrictEqual([r.statusCode, r.result], [2, { error: "foobar" }])
  })

  it("T88 a failed init with another object", () => {
    assert.strictEqual(errorOf(init(response(500, `{"foobar":"baz"}`))), `The action failed during initialization: {"foobar":"baz"}`)
  })

  it("T89 refuses to interpret a successful init", () => {
    assert.throws(() => init(response(200, "")), /should not interpret init response when status code is OK/)
  })

  it("an OOM-killed init or run exhausted its memory", () => {
    const oom = Either.left(new ConnectionFailure.MemoryExhausted({ target: "t" }))
    assert.strictEqual(errorOf(init(oom)), "The action exhausted its memory and was aborted.")
    assert.strictEqual(errorOf(run(oom)), "The action exhausted its memory and was aborted.")
  })

  it("T90 a failed run without response", () => {
    for (const failure of failures) {
      const r = run(Either.left(failure))
      assert.deepStrictEqual([r.statusCode, errorOf(r)], [2, "The action did not produce a valid response and exited unexpectedly."])
    }
  })

  it("T91/T92 a run with an empty answer", () => {
    for (const status of [200, 500]) {
      const r = run(response(status, ""))
      assert.deepStrictEqual([r.statusCode, errorOf(r)], [2, "The action did not produce a valid JSON or JSON Array response."])
    }
  })

  it("T93 a run answering a non-JSON string", () => {
    assert.strictEqual(errorOf(run(response(200, "string"))), "The action did not produce a valid JSON or JSON Array response: string")
  })

  it("T94 a failed run answering a JSON array", () => {
    const r = run(response(500, "[1]"))
    assert.deepStrictEqual([r.statusCode, errorOf(r)], [2, "The action did not produce a valid JSON or JSON Array response: [1]"])
  })

  it("T95 a failed run answering an error object", () => {
    const r = run(response(500, `{"error":"foobar"}`))
    assert.deepStrictEqual([r.statusCode, r.result], [2, { error: "foobar" }])
  })

  it("T96 a failed run answering another object", () => {
    assert.strictEqual(errorOf(run(response(500, `{"foobar":"baz"}`))), `The action did not produce a valid JSON or JSON Array response: {"foobar":"baz"}`)
  })

  it("T97 a successful run answering an error object is an application error", () => {
    const r = run(response(200, `{"error":"foobar"}`))
    assert.deepStrictEqual([r.statusCode, r.result], [1, { error: "foobar" }])
  })

  it("T98 a successful run answering an object or array succeeds", () => {
    const r = run(response(200, `{"foobar":"baz"}`))
    assert.deepStrictEqual([r.statusCode, r.result, r.size], [0, { foobar: "baz" }, 16])
    assert.deepStrictEqual(run(response(200, "[1,2]")).result, [1, 2])
  })

  it("a null or scalar result is a developer error", () => {
    assert.strictEqual(errorOf(run(response(200, "null"))), "The action did not produce a valid JSON or JSON Array response: null")
    assert.strictEqual(run(response(200, "42")).statusCode, 2)
  })

  it("measures size in UTF-8 bytes", () => {
    assert.strictEqual(run(response(200, `{"a":"é"}`)).size, 10)
  })

  it("serialises as OpenWhisk's shape, omitting absent fields", () => {
    assert.strictEqual(JSON.stringify(ActivationResponse.success({ a: 1 }, 7)), `{"statusCode":0,"result":{"a":1},"size":7}`)
    assert.strictEqual(
      JSON.stringify(ActivationResponse.developerError(Messages.abnormalInitialization)),
      `{"statusCode":2,"result":{"error":"The action did not initialize and exited unexpectedly."}}`
    )
  })

  it("maps startup errors as B9", () => {
    assert.strictEqual(ActivationResponse.fromStartupError({ _tag: "WhiskContainerStartupError", message: "m" }).statusCode, 3)
    assert.strictEqual(ActivationResponse.fromStartupError({ _tag: "BlackboxStartupError", message: "m" }).statusCode, 2)
    const other = ActivationResponse.fromStartupError({ _tag: "Other", message: "m" })
    assert.deepStrictEqual([other.statusCode, errorOf(other)], [3, "Failed to provision resources to run the action."])
  })
})

// processRunResponseContent as it was before its fast path for the common answer: every answer through the general
// interpretation and the Schema-checked constructors. The fast path must give exactly what this gives.
const runBeforeFastPath = (
  response: Either.Either<ContainerResponse.ContainerResponse, ConnectionFailure.ConnectionFailure>
): ActivationResponse.ActivationResponse =>
  Either.match(response, {
    onLeft: (failure) =>
      ActivationResponse.developerError(failure._tag === "MemoryExhausted" ? Messages.memoryExhausted : Messages.abnormalRun),
    onRight: (res) => {
      if (Option.isSome(res.truncated)) {
        const { length, max } = res.truncated.value
        return ActivationResponse.applicationError(Messages.truncatedResponseWithPrefix(res.entity, length, max), length.bytes)
      }
      const size = new TextEncoder().encode(res.entity).length
      const invalid = () => ActivationResponse.developerError(Messages.invalidRunResponse(res.entity), size)
      let value: unknown
      try {
        value = JSON.parse(res.entity)
      } catch {
        return invalid()
      }
      const isObject = typeof value === "object" && value !== null && !Array.isArray(value)
      if (isObject && Object.hasOwn(value as object, "error")) {
        const error = (value as { error: unknown }).error
        return res.okStatus ? ActivationResponse.applicationError(error, size) : ActivationResponse.developerError(error, size)
      }
      return (isObject || Array.isArray(value)) && res.okStatus ? ActivationResponse.success(value, size) : invalid()
    }
  })

describe("processRunResponseContent's fast path for the common answer", () => {
  const { constantFrom, integer, json, jsonValue, oneof, option, record, string, tuple } = FastCheck
  // Mostly objects (the common answer), then everything next to it: objects with an error field, arrays, scalars,
  // whitespace around the text, text that is not JSON, any text, non-ASCII text.
  const entity = oneof(
    { arbitrary: record({ a: jsonValue(), b: string({ unit: "grapheme" }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)), weight: 4 },
    { arbitrary: jsonValue().map((v) => JSON.stringify({ error: v })), weight: 2 },
    { arbitrary: json(), weight: 3 },
    { arbitrary: tuple(constantFrom(" ", "\n", "\t", "\r\n", "\u00a0", "\ufeff", ""), json(), constantFrom("", " ", "\n", "x")).map(([before, text, after]) => before + text + after), weight: 2 },
    { arbitrary: constantFrom("", "{", "{}", "{\"error\":null}", "{\"__proto__\":{\"error\":1}}", "{\"a\":1}}", "[{}]", "null", "{\"é\":\"日本\"}"), weight: 2 },
    { arbitrary: string({ unit: "binary" }), weight: 1 }
  )
  const status = oneof(constantFrom(200, 200, 200, 500, 502, 503, 404), integer({ min: 100, max: 599 }))
  const truncation = option(integer({ min: 1, max: 1000 }).map((max) => ({ length: ByteSize.bytes(max + 1), max: ByteSize.bytes(max) })), { freq: 5 })
  const answer = oneof(
    { arbitrary: tuple(status, entity, truncation).map(([s, e, t]) => Either.right(ContainerResponse.make(s, e, Option.fromNullable(t)))), weight: 9 },
    { arbitrary: constantFrom(...failures, new ConnectionFailure.MemoryExhausted({ target: "t" })).map((f) => Either.left(f)), weight: 1 }
  )

  it("gives exactly the ActivationResponse of the general interpretation, serialised alike", () => {
    FastCheck.assert(
      FastCheck.property(answer, (response) => {
        const fast = run(response)
        const general = runBeforeFastPath(response)
        assert.deepStrictEqual(fast, general)
        assert.strictEqual(JSON.stringify(fast), JSON.stringify(general))
        assert.instanceOf(fast, ActivationResponse.ActivationResponse)
      }),
      { numRuns: 5000 }
    )
  })

  it("a successful answer of an object is a success of that object and its size in UTF-8 bytes", () => {
    const r = run(response(200, ` {"a":[1,{"b":"é"}]}\n`))
    assert.deepStrictEqual([r.statusCode, r.result, r.size, r.isSuccess], [0, { a: [1, { b: "é" }] }, 22, true])
  })
})
