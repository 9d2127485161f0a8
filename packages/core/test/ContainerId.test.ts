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

  it("parse accepts a full or short engine id and a container name of the engine's grammar", () => {
    for (const good of [id, id.slice(0, 12), "effect-whisk_0a1b", "a", "My.container-1_x"]) {
      assert.deepStrictEqual(ContainerId.parse(good), Either.right(good as ContainerId.ContainerId), good)
    }
  })

  it("parse refuses what would change a request path, naming the input and what is expected", () => {
    for (const bad of ["", ".", "..", "x/", "a/../b", "/x", "_x", "-x", "a b", "a?b=1", "a#b", "a%2e", "a\u0000"]) {
      const result = ContainerId.parse(bad)
      assert.isTrue(Either.isLeft(result), bad)
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "InvalidContainerId")
        assert.include(result.left.message, JSON.stringify(bad))
        assert.include(result.left.message, "container name")
      }
    }
  })

  it("parse refuses a value that is not a string", () => {
    assert.isTrue(Either.isLeft(ContainerId.parse(42 as unknown as string)))
  })

  it("make refuses anything that is not an id or a name", () => {
    assert.throws(() => ContainerId.make(""), /ContainerId must be/)
    assert.throws(() => ContainerId.make(".."), /ContainerId must be/)
  })
})
