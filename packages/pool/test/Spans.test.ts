// The spans of an activation: made, and nested as before, when the program has installed a tracer; none under Effect's
// default tracer, whose spans no one reads.
import { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { ContainerFactory } from "@effect-whisk/core"
import { Effect, Layer, Option, Tracer } from "effect"
import { action, testLayer } from "./support/testPool.js"

interface Made {
  readonly name: string
  readonly parent: string | undefined
  readonly attributes: ReadonlyMap<string, unknown>
}

/** A tracer that makes spans as the default one does and records each one made, with its parent's name. */
const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const made: Array<Made> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = base.span(name, parent, context, links, startTime, kind, options)
      made.push({
        name,
        parent: Option.match(parent, { onNone: () => undefined, onSome: (p) => (p._tag === "Span" ? p.name : undefined) }),
        attributes: span.attributes
      })
      return span
    },
    context: base.context
  })
  return { tracer, made }
})

const hello = action("hello")

/** The pool over test containers whose /run notes the name of the span current in it. */
const noting = (seen: Array<string | undefined>) =>
  ContainerPool.layer().pipe(Layer.provideMerge(
    Layer.effect(
      ContainerFactory.ContainerFactory,
      Effect.map(ContainerFactory.ContainerFactory, (factory) =>
        ContainerFactory.make((request) =>
          Effect.map(factory.create(request), (container) => ({
            ...container,
            run: (parameters, activation, options) =>
              Effect.zipRight(
                Effect.map(Effect.option(Effect.currentSpan), (span) => seen.push(Option.getOrUndefined(span)?.name)),
                container.run(parameters, activation, options)
              )
          }))))
    ).pipe(Layer.provideMerge(ContainerFactory.layerTest()))
  ))

describe("ContainerPool spans", () => {
  it.effect("under an installed tracer: invoke, and run and logs as its children, with the backend's inside them", () =>
    Effect.gen(function*() {
      const { made, tracer } = yield* recordingTracer
      yield* ContainerPool.invoke(hello, {}).pipe(Effect.withTracer(tracer))
      made.length = 0
      const warm = yield* ContainerPool.invoke(hello, {}).pipe(Effect.withTracer(tracer))
      assert.strictEqual(warm.start, "Warm")
      const byName = new Map(made.map((span) => [span.name, span]))
      assert.strictEqual(byName.get("ContainerPool.invoke")?.attributes.get("action"), "/guest/hello")
      assert.strictEqual(byName.get("ContainerPool.run")?.parent, "ContainerPool.invoke")
      assert.strictEqual(byName.get("ContainerPool.logs")?.parent, "ContainerPool.invoke")
    }).pipe(Effect.provide(testLayer())))

  it.effect("the backend's run runs in ContainerPool.run under an installed tracer, in the caller's span otherwise", () => {
    const seen: Array<string | undefined> = []
    return Effect.gen(function*() {
      const { tracer } = yield* recordingTracer
      yield* ContainerPool.invoke(hello, {}).pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      yield* ContainerPool.invoke(hello, {}).pipe(Effect.withSpan("caller"))
      assert.deepStrictEqual(seen, ["ContainerPool.run", "caller"])
    }).pipe(Effect.provide(noting(seen)))
  })
})
