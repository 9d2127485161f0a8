// The pool on core's in-memory ContainerFactory: actions, a gate that holds /run answers until a test opens it, and
// the calls the factory received.
import { ByteSize, ContainerFactory } from "@effect-whisk/core"
import type { Action } from "@effect-whisk/pool"
import { ContainerPool } from "@effect-whisk/pool"
import { Effect, Layer } from "effect"

export const mb = ByteSize.megabytes

export const image = "effect-whisk/runtime-nodejs:test"

export const action = (name: string, overrides: Partial<Action.Action> = {}): Action.Action => ({
  name,
  image,
  code: `function main(args) { return { name: "${name}" } }`,
  memory: mb(256),
  ...overrides
})

/** The pool over a fresh test factory; the factory's calls stay reachable. */
export const testLayer = (config: ContainerPool.Overrides = {}, factory: ContainerFactory.TestOptions = {}) =>
  ContainerPool.layer(config).pipe(Layer.provideMerge(ContainerFactory.layerTest(factory)))

export const calls = (method: string) =>
  Effect.flatMap(ContainerFactory.ContainerFactoryCalls, (log) => log.of(method))

export const count = (method: string) =>
  Effect.flatMap(ContainerFactory.ContainerFactoryCalls, (log) => log.count(method))

/** The ids of the containers the factory created or destroyed, in order. */
export const destroyed = Effect.map(calls("destroy"), (args) => args.map(([id]) => String(id)))

/** The run calls' activation names, by container. */
export const runsByContainer = Effect.map(calls("run"), (args) => {
  const by = new Map<string, Array<string>>()
  for (const [id, , activation] of args) {
    const name = String((activation as Record<string, unknown>)["action_name"])
    by.set(String(id), [...(by.get(String(id)) ?? []), name])
  }
  return by
})

/** Lets fibers forked by the test reach their next wait. */
export const settle = Effect.repeatN(Effect.yieldNow(), 50)

/** Answers /run after sleeping `sleep` ms (of the parameters) on the Clock, with the action's name and one log line. */
export const sleepingRun = (call: ContainerFactory.TestCall) =>
  Effect.gen(function*() {
    const body = call.body as { readonly value?: { readonly sleep?: number }; readonly action_name?: string }
    const sleep = body.value?.sleep ?? 0
    if (sleep > 0) yield* Effect.sleep(sleep)
    return ContainerFactory.answer(200, { action: body.action_name }, [{ stream: "stdout", text: `ran ${body.action_name}` }])
  })
