import { assert, describe, it } from "@effect/vitest"
import { Duration, Either } from "effect"
import * as DurationText from "../src/internal/durationText.js"
import * as Parameters from "../src/internal/parameters.js"

const messageOf = <A>(result: Either.Either<A, { readonly message: string }>): string =>
  Either.match(result, { onLeft: (error) => error.message, onRight: () => "no error" })

describe("--param KEY=VALUE", () => {
  it("splits on the first = and reads the value as JSON when it is JSON", () => {
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("name=Ada")), ["name", "Ada"])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("n=5")), ["n", 5])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("ok=true")), ["ok", true])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam('o={"a":[1]}')), ["o", { a: [1] }])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam('s="5"')), ["s", "5"])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("id=007")), ["id", "007"])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("eq=a=b")), ["eq", "a=b"])
    assert.deepStrictEqual(Either.getOrThrow(Parameters.parseParam("empty=")), ["empty", ""])
  })

  it("refuses an entry without = or with an empty key, saying how to write it", () => {
    assert.include(messageOf(Parameters.parseParam("name")), "--param expects KEY=VALUE, got 'name'")
    assert.include(messageOf(Parameters.parseParam("=x")), "has an empty key")
  })

  it("applies --param entries on top of --params-json, a later entry winning", () => {
    const combined = Parameters.combine('{"name":"json","keep":1}', ["name=first", "name=second", "extra=2"])
    assert.deepStrictEqual(Either.getOrThrow(combined), { name: "second", keep: 1, extra: 2 })
    assert.deepStrictEqual(Either.getOrThrow(Parameters.combine(undefined, [])), {})
  })

  it("requires --params-json to be a JSON object", () => {
    assert.include(messageOf(Parameters.combine("[1,2]", [])), "--params-json must be a JSON object")
    assert.include(messageOf(Parameters.combine("{nope", [])), "--params-json is not valid JSON")
    assert.include(messageOf(Parameters.combine("{}", ["bad"])), "--param expects KEY=VALUE")
  })
})

describe("durations", () => {
  it("reads a number with a unit", () => {
    const millis = (text: string) => Duration.toMillis(Either.getOrThrow(DurationText.parse("--timeout", text)))
    assert.strictEqual(millis("500ms"), 500)
    assert.strictEqual(millis("60s"), 60_000)
    assert.strictEqual(millis("1.5 s"), 1500)
    assert.strictEqual(millis("2m"), 120_000)
    assert.strictEqual(millis("90 seconds"), 90_000)
    assert.strictEqual(millis("1h"), 3_600_000)
  })

  it("refuses a bare number, an unknown unit and zero, naming the option", () => {
    for (const text of ["60", "5 parsecs", "0s", "", "-1s"]) {
      assert.include(messageOf(DurationText.parse("--timeout", text)), `--timeout '${text}' is not a duration`)
    }
  })
})
