// The per-container memory of json-file log paths that spares DockerodeEngine.logSource an inspect per collection.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import * as LogPaths from "../src/internal/logPaths.js"

// A lookup that counts its runs and answers with the given outcomes in turn (the last one from then on).
const lookups = (outcomes: ReadonlyArray<Effect.Effect<string, string>>) =>
  Effect.map(Ref.make(0), (runs) => ({
    runs: Ref.get(runs),
    lookup: Effect.flatMap(Ref.getAndUpdate(runs, (n) => n + 1), (n) => outcomes[Math.min(n, outcomes.length - 1)]!)
  }))

describe("LogPaths", () => {
  it.effect("a found path is looked up once per container", () =>
    Effect.gen(function*() {
      const paths = yield* LogPaths.make()
      const a = yield* lookups([Effect.succeed("/logs/a")])
      const b = yield* lookups([Effect.succeed("/logs/b")])
      assert.deepStrictEqual(
        yield* Effect.all([paths.get("a", a.lookup), paths.get("a", a.lookup), paths.get("b", b.lookup)]),
        ["/logs/a", "/logs/a", "/logs/b"]
      )
      assert.deepStrictEqual([yield* a.runs, yield* b.runs, yield* paths.size], [1, 1, 2])
    }))

  it.effect("a failed lookup is not kept: the next get looks up again", () =>
    Effect.gen(function*() {
      const paths = yield* LogPaths.make()
      const a = yield* lookups([Effect.fail("inspect timed out"), Effect.succeed("/logs/a")])
      assert.strictEqual(yield* Effect.flip(paths.get("a", a.lookup)), "inspect timed out")
      assert.strictEqual(yield* paths.size, 0)
      assert.strictEqual(yield* paths.get("a", a.lookup), "/logs/a")
      assert.strictEqual(yield* paths.get("a", a.lookup), "/logs/a")
      assert.strictEqual(yield* a.runs, 2)
    }))

  it.effect("a forgotten container is looked up again; forgetting an unknown one changes nothing", () =>
    Effect.gen(function*() {
      const paths = yield* LogPaths.make()
      const a = yield* lookups([Effect.succeed("/logs/a")])
      yield* paths.get("a", a.lookup)
      yield* paths.forget("unknown")
      assert.strictEqual(yield* paths.size, 1)
      yield* paths.forget("a")
      assert.strictEqual(yield* paths.size, 0)
      yield* paths.get("a", a.lookup)
      assert.strictEqual(yield* a.runs, 2)
    }))

  it.effect("at capacity, adding a path drops the least recently read one", () =>
    Effect.gen(function*() {
      const paths = yield* LogPaths.make(2)
      const a = yield* lookups([Effect.succeed("/logs/a")])
      const b = yield* lookups([Effect.succeed("/logs/b")])
      const c = yield* lookups([Effect.succeed("/logs/c")])
      yield* paths.get("a", a.lookup)
      yield* paths.get("b", b.lookup)
      // a is read again, so b is now the least recently read.
      yield* paths.get("a", a.lookup)
      yield* paths.get("c", c.lookup)
      assert.strictEqual(yield* paths.size, 2)
      yield* paths.get("a", a.lookup)
      yield* paths.get("b", b.lookup)
      assert.deepStrictEqual([yield* a.runs, yield* b.runs, yield* c.runs], [1, 2, 1])
    }))
})
