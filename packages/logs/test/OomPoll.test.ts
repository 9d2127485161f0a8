// The OOM poll (B17) over a scripted state check, on the TestClock.
import { type DockerEngine, Errors } from "@effect-whisk/core"
import { OomPoll } from "@effect-whisk/logs"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Clock, type Duration, Effect, Fiber, Ref, Stream, TestClock } from "effect"

const running: DockerEngine.ContainerState = { status: "running", running: true, oomKilled: false, exitCode: 0 }
const oomKilled: DockerEngine.ContainerState = { status: "exited", running: false, oomKilled: true, exitCode: 137 }
const exited: DockerEngine.ContainerState = { status: "exited", running: false, oomKilled: false, exitCode: 1 }
const killed: DockerEngine.ContainerState = { status: "exited", running: false, oomKilled: false, exitCode: 137 }

const engineError = (reason: Errors.DockerEngineErrorReason) => new Errors.DockerEngineError({ operation: "inspect", reason })

// A check that answers from the script in turn (its last answer from then on), recording when it was asked.
const scripted = (answers: ReadonlyArray<Effect.Effect<DockerEngine.ContainerState, Errors.DockerEngineError>>) =>
  Effect.map(Ref.make<ReadonlyArray<number>>([]), (asked) => ({
    check: Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(Ref.modify(asked, (all) => [all.length, [...all, now]]), (n) => answers[Math.min(n, answers.length - 1)]!)),
    asked: Ref.get(asked)
  }))

const pollFor = <A>(effect: Effect.Effect<A>, advance: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(advance)
    return yield* Fiber.join(fiber)
  })

const tags = (observations: Chunk.Chunk<OomPoll.Observation>) => Chunk.toReadonlyArray(observations).map((o) => o._tag)

describe("OomPoll.states", () => {
  it.effect("ends at the first OOM-killed state, checked every 5 ms", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(running), Effect.succeed(running), Effect.succeed(oomKilled)])
      const observed = yield* pollFor(Stream.runCollect(OomPoll.states(check)), "1 second")
      assert.deepStrictEqual(tags(observed), ["State", "State", "State"])
      assert.strictEqual(OomPoll.verdict(Chunk.unsafeLast(observed)), "OomKilled")
      assert.deepStrictEqual(yield* asked, [0, 5, 10])
      assert.isTrue(yield* pollFor(OomPoll.memoryExhausted((yield* scripted([Effect.succeed(oomKilled)])).check), "1 second"))
    }))

  it.effect("ends at the first stopped state, OOM or not: an exit is final and not an OOM", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(running), Effect.succeed(exited)])
      assert.isFalse(yield* pollFor(OomPoll.memoryExhausted(check), "1 second"))
      assert.deepStrictEqual(yield* asked, [0, 5])
    }))

  it.effect("an exit by SIGKILL waits for Docker's OOM flag, which can come after the exit", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(running), Effect.succeed(killed), Effect.succeed(killed), Effect.succeed(oomKilled)])
      const observed = yield* pollFor(Stream.runCollect(OomPoll.states(check)), "1 second")
      assert.deepStrictEqual(Chunk.toReadonlyArray(observed).map(OomPoll.verdict), ["Undecided", "Undecided", "Undecided", "OomKilled"])
      assert.deepStrictEqual(yield* asked, [0, 5, 10, 15])
    }))

  it.effect("an exit by SIGKILL that the flag never follows is not an OOM, decided at the end of the window", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(killed)])
      assert.isFalse(yield* pollFor(OomPoll.memoryExhausted(check), "3 seconds"))
      assert.strictEqual((yield* asked).length, 401)
    }))

  it.effect("a container the engine does not know is gone, not OOM-killed; other failures are undecided", () =>
    Effect.gen(function*() {
      const { check } = yield* scripted([
        Effect.fail(engineError("Unavailable")),
        Effect.fail(engineError("NotFound"))
      ])
      const observed = yield* pollFor(Stream.runCollect(OomPoll.states(check)), "1 second")
      assert.deepStrictEqual(tags(observed), ["Unanswered", "Gone"])
      assert.deepStrictEqual(Chunk.toReadonlyArray(observed).map(OomPoll.verdict), ["Undecided", "Stopped"])
    }))

  it.effect("a container that keeps running is checked once, then 400 more times over the 2 s window", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(running)])
      assert.isFalse(yield* pollFor(OomPoll.memoryExhausted(check), "3 seconds"))
      const times = yield* asked
      assert.strictEqual(times.length, 401)
      assert.strictEqual(times.at(-1), 2000)
    }))

  it.effect("follows the configured interval and window", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.succeed(running)])
      yield* pollFor(OomPoll.memoryExhausted(check, { pollInterval: "100 millis", window: "300 millis" }), "1 second")
      assert.deepStrictEqual(yield* asked, [0, 100, 200, 300])
    }))

  it.effect("a hung engine: each check ends at the window, the whole poll at twice the window", () =>
    Effect.gen(function*() {
      const { asked, check } = yield* scripted([Effect.never])
      const fiber = yield* Effect.fork(Stream.runCollect(OomPoll.states(check, { pollInterval: "5 millis", window: "1 second" })))
      yield* TestClock.adjust("1999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const observed = yield* Fiber.join(fiber)
      // The second check, asked at 1005 ms, is cut off with the poll at 2 s.
      assert.deepStrictEqual(Chunk.toReadonlyArray(observed).map((o) => o._tag === "Unanswered" && o.cause), ["TimedOut"])
      assert.deepStrictEqual(yield* asked, [0, 1005])
    }))
})
