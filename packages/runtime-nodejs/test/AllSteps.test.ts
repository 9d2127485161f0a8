// The runtime image check runs its independent steps (ldd, docker image inspect, ...) at once: a failure stops the
// others, and nothing a step started outlives the check.
import { assert, describe, it } from "@effect/vitest"
import { allSteps } from "../src/internal/image/allSteps.js"
import { runCommand } from "../src/internal/image/command.js"
import { nodeVersion } from "../src/internal/image/hostFiles.js"
import { RuntimeImageBuildError } from "../src/internal/image/imageError.js"

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener("abort", () => resolve(), { once: true })
  })

describe("the image check's steps", () => {
  it("run at once and give their results in order", async () => {
    let release: () => void = () => undefined
    const bothStarted = new Promise<void>((resolve) => (release = resolve))
    let started = 0
    const step = (value: string) => async () => {
      if (++started === 2) release()
      await bothStarted
      return value
    }
    assert.deepStrictEqual(await allSteps(undefined, [step("a"), step("b")]), ["a", "b"])
  })

  it("reject with the first failure, after the other steps were stopped and have settled", async () => {
    const first = new Error("ldd failed")
    let otherSettled = false
    const outcome = await allSteps(undefined, [
      () => Promise.reject(first),
      async (signal) => {
        await aborted(signal)
        await new Promise((resolve) => setTimeout(resolve, 20))
        otherSettled = true
        throw new Error("interrupted")
      }
    ]).then(() => assert.fail("resolved"), (error: unknown) => error)
    assert.strictEqual(outcome, first)
    assert.isTrue(otherSettled)
  })

  it("kill a process a step started when another step fails", async () => {
    let sleep: Promise<unknown> | undefined
    const outcome = await allSteps(undefined, [
      (signal) => (sleep = runCommand("sleep", ["30"], { timeoutMs: 60_000, signal })),
      () => new Promise((_, reject) => setTimeout(() => reject(new Error("docker is missing")), 50))
    ]).then(() => assert.fail("resolved"), (error: unknown) => error)
    assert.strictEqual((outcome as Error).message, "docker is missing")
    const killed = await sleep!.then(() => assert.fail("sleep ran to its end"), (error: unknown) => error)
    assert.instanceOf(killed, RuntimeImageBuildError)
    assert.strictEqual((killed as RuntimeImageBuildError).reason, "Interrupted")
  })

  it("stop every step when the caller's signal aborts", async () => {
    const controller = new AbortController()
    const steps = allSteps(controller.signal, [
      (signal) => aborted(signal).then(() => Promise.reject(new Error("first interrupted"))),
      (signal) => aborted(signal).then(() => Promise.reject(new Error("second interrupted")))
    ])
    controller.abort()
    const outcome = await steps.then(() => assert.fail("resolved"), (error: unknown) => error)
    assert.strictEqual((outcome as Error).message, "first interrupted")
  })

  it("the running node's version is its own, as `node --version` prints it", async () => {
    const printed = await runCommand(process.execPath, ["--version"], { timeoutMs: 30_000 })
    assert.strictEqual(await nodeVersion(process.execPath), printed.stdout.trim())
  })
})
