import { ImageName } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Option } from "effect"

const parse = (text: string) => Either.getOrThrow(ImageName.parse(text))

describe("ImageName", () => {
  it("parses name, prefix, registry and tag", () => {
    assert.deepStrictEqual(parse("image"), ImageName.make("image"))
    assert.deepStrictEqual(parse("image:prod"), ImageName.make("image", { tag: "prod" }))
    assert.deepStrictEqual(parse("openwhisk/action-nodejs-v20:1.0"), ImageName.make("action-nodejs-v20", { prefix: "openwhisk", tag: "1.0" }))
    assert.deepStrictEqual(
      parse("127.0.0.1:5000/team/sub/action:v1"),
      ImageName.make("action", { registry: "127.0.0.1:5000", prefix: "team/sub", tag: "v1" })
    )
    assert.deepStrictEqual(parse("localhost:5000/a"), ImageName.make("a", { registry: "localhost:5000" }))
    assert.deepStrictEqual(parse("registry.example.com/a/b"), ImageName.make("b", { registry: "registry.example.com", prefix: "a" }))
  })

  it("knows when a user image must be pulled (no tag or latest)", () => {
    assert.isTrue(parse("image").isLatest)
    assert.isTrue(parse("image:latest").isLatest)
    assert.isFalse(parse("image:prod").isLatest)
  })

  it("resolves against a system registry as B5", () => {
    assert.strictEqual(ImageName.make("image", { tag: "prod" }).resolve(), "image:prod")
    assert.strictEqual(parse("nodejs:20").resolve("registry.local:5000"), "registry.local:5000/nodejs:20")
    assert.strictEqual(parse("nodejs:20").resolve("registry.local:5000/"), "registry.local:5000/nodejs:20")
    assert.strictEqual(parse("own.registry:1/nodejs").resolve("registry.local:5000"), "own.registry:1/nodejs")
    assert.strictEqual(ImageName.make("n", { prefix: "", tag: "" }).resolve(""), "n")
  })

  it("refuses bad references with the reason", () => {
    for (const bad of ["", "UPPER", "a b", "image:", "image::tag", "/image", "image/", "a".repeat(256), "x:y:z", "bad$char"]) {
      const result = ImageName.parse(bad)
      assert.isTrue(Either.isLeft(result), JSON.stringify(bad))
      if (Either.isLeft(result)) assert.include(result.left.message, "Invalid image name")
    }
  })

  it("round-trips: parse(resolve(image)) is the image", () => {
    const component = FastCheck.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,4})?$/)
    const image = FastCheck.record({
      name: component,
      prefix: FastCheck.option(component, { nil: undefined }),
      registry: FastCheck.option(FastCheck.constantFrom("127.0.0.1:5000", "registry.example.com", "localhost:5000"), { nil: undefined }),
      tag: FastCheck.option(FastCheck.stringMatching(/^\w[\w.-]{0,10}$/), { nil: undefined })
    })
    FastCheck.assert(
      FastCheck.property(image, ({ name, prefix, registry, tag }) => {
        const expected = ImageName.make(name, {
          ...(prefix === undefined ? {} : { prefix }),
          ...(registry === undefined ? {} : { registry }),
          ...(tag === undefined ? {} : { tag })
        })
        assert.deepStrictEqual(parse(expected.resolve()), expected)
      })
    )
  })

  it("has no registry or prefix when absent", () => {
    const image = parse("busybox")
    assert.isTrue(Option.isNone(image.registry))
    assert.isTrue(Option.isNone(image.prefix))
  })
})
