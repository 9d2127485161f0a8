// The slots of the action HTTP client: at most `size` calls at once, the others started in order as slots free up.
import { assert, describe, it } from "@effect/vitest"
import { CallSlots } from "../src/internal/callSlots.js"

const recorder = () => {
  const started: Array<string> = []
  const call = (name: string) => () => {
    started.push(name)
  }
  return { started, call }
}

describe("CallSlots", () => {
  it("starts at most size calls, then the waiting ones in order as slots free up", () => {
    const slots = new CallSlots(2)
    const { call, started } = recorder()
    const [a, b, c, d] = ["a", "b", "c", "d"].map(call) as [() => void, () => void, () => void, () => void]
    for (const each of [a, b, c, d]) slots.enter(each)
    assert.deepStrictEqual(started, ["a", "b"])
    slots.leave(b)
    assert.deepStrictEqual(started, ["a", "b", "c"])
    slots.leave(a)
    assert.deepStrictEqual(started, ["a", "b", "c", "d"])
  })

  it("a call that leaves while waiting is never started and frees no slot", () => {
    const slots = new CallSlots(1)
    const { call, started } = recorder()
    const [a, b, c] = ["a", "b", "c"].map(call) as [() => void, () => void, () => void]
    for (const each of [a, b, c]) slots.enter(each)
    slots.leave(b)
    assert.deepStrictEqual(started, ["a"])
    slots.leave(a)
    assert.deepStrictEqual(started, ["a", "c"])
  })

  it("leaving twice, or without entering, frees nothing", () => {
    const slots = new CallSlots(1)
    const { call, started } = recorder()
    const [a, b, c, stranger] = ["a", "b", "c", "stranger"].map(call) as [() => void, () => void, () => void, () => void]
    for (const each of [a, b, c]) slots.enter(each)
    slots.leave(stranger)
    assert.deepStrictEqual(started, ["a"])
    slots.leave(a)
    slots.leave(a)
    assert.deepStrictEqual(started, ["a", "b"])
  })

  it("after close, no waiting call starts", () => {
    const slots = new CallSlots(1)
    const { call, started } = recorder()
    const [a, b] = ["a", "b"].map(call) as [() => void, () => void]
    slots.enter(a)
    slots.enter(b)
    slots.close()
    slots.leave(a)
    assert.deepStrictEqual(started, ["a"])
  })
})
