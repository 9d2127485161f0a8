// The activation context's ids: 32 hexadecimal digits, as OpenWhisk's activation and transaction ids are.
import { ActivationContext } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

describe("ActivationContext", () => {
  it("makeId gives 32 lowercase hexadecimal digits, a fresh one each time", () => {
    const ids = Array.from({ length: 100 }, () => ActivationContext.makeId())
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/)
    assert.strictEqual(new Set(ids).size, ids.length)
  })

  it.effect("make gives fresh activation and transaction ids unless given", () =>
    Effect.gen(function*() {
      const context = yield* ActivationContext.make("hello", "1 minute")
      assert.match(context.activationId, /^[0-9a-f]{32}$/)
      assert.match(context.transactionId, /^[0-9a-f]{32}$/)
      assert.notStrictEqual(context.activationId, context.transactionId)
      assert.strictEqual(context.actionName, "/guest/hello")
      const given = yield* ActivationContext.make("hello", "1 minute", { activationId: "a".repeat(32) })
      assert.strictEqual(given.activationId, "a".repeat(32))
    }))
})
