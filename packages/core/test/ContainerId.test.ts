import { ContainerId } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"

const id = "55db56ee082239428b27d3728b4dd324c09068458aad9825727d5bfc1bba6d52"

describe("ContainerId", () => {
  it("T27 accepts a proper engine id", () => {
    assert.deepStrictEqual(ContainerId.parseEngineId(id), Either.right(ContainerId.make(id)))
  })

  it("T28 rejects improper engine ids, naming the input", () => {
    for (const bad of ["", "1".repeat(63), "1".repeat(65), `${"1".repeat(63)}x`, "abcxdef", id.toUpperCase()]) {
      const result = ContainerId.parseEngineId(bad)
      assert.isTrue(Either.isLeft(result), bad)
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "InvalidContainerId")
        assert.strictEqual(result.left.message, `Does not comply with Docker container ID format: ${bad}`)
      }
    }
  })

  it("refuses an empty id", () => {
    assert.throws(() => ContainerId.make(""), /ContainerId must not be empty/)
  })
})
