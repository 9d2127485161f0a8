// The whole activation response of the original's cases whose tests in ActivationResponse.test.ts check only the
// error text (T86, T88, T93, T96): statusCode 2 (developer error), the message and the size of the answer in bytes.
import { ActivationResponse, ContainerResponse } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"

const response = (status: number, entity: string) => Either.right(ContainerResponse.make(status, entity))

const developerError = (message: string, entity: string) =>
  ActivationResponse.developerError(message, Buffer.byteLength(entity, "utf8"))

describe("developer errors: the whole response", () => {
  it("T86 a failed init answering a JSON array is statusCode 2 with the message and the answer's size", () => {
    assert.deepStrictEqual(
      ActivationResponse.processInitResponseContent(response(500, "[1]")),
      developerError("The action failed during initialization: [1]", "[1]")
    )
  })

  it("T88 a failed init answering an object without error is statusCode 2 with the message and the size", () => {
    const entity = `{"foobar":"baz"}`
    assert.deepStrictEqual(
      ActivationResponse.processInitResponseContent(response(500, entity)),
      developerError(`The action failed during initialization: ${entity}`, entity)
    )
  })

  it("T93 a run answering a string that is not JSON is statusCode 2, whatever the status", () => {
    for (const status of [200, 500]) {
      assert.deepStrictEqual(
        ActivationResponse.processRunResponseContent(response(status, "string")),
        developerError("The action did not produce a valid JSON or JSON Array response: string", "string")
      )
    }
  })

  it("T96 a failed run answering an object without error is statusCode 2 with the message and the size", () => {
    const entity = `{"foobar":"baz"}`
    const result = ActivationResponse.processRunResponseContent(response(500, entity))
    assert.strictEqual(result.statusCode, 2)
    assert.deepStrictEqual(result, developerError(`The action did not produce a valid JSON or JSON Array response: ${entity}`, entity))
  })
})
