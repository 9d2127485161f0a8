// Each freezer strategy (cgroup, runc, engine) on the real engine, through DockerContainer and the live Freezer
// (FreezerChoice): a frozen ticker makes no progress and a frozen action does not answer (a /run with a short
// deadline times out); after the thaw both go on, and the action's logs continue. Freezing twice and thawing a
// running container are no-ops for the cgroup strategy and typed errors for runc and the engine. A frozen container
// is destroyed without leftovers whichever strategy froze it; a container frozen through its cgroup is `paused` for
// runc, as when runc froze it. `auto` chooses once, at the first freeze.
import { ActivationResponse, ByteSize, DockerEngine, Freezer, Messages } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { execFileSync } from "node:child_process"
import { accessSync, constants, existsSync, readFileSync } from "node:fs"
import { liveLayer } from "./support/liveLayer.js"
import * as Ticks from "./support/ticks.js"
import {
  buildTestImages,
  docker,
  freezerCgroup,
  runcBinary,
  runcRoot,
  skipWithoutEngine,
  tickerImage
} from "./support/realEngine.js"

const prefix = `ewit-freezer-${process.pid}`
const client = new Docker()

const live = (mode: Freezer.Mode) =>
  FreezerChoice.layer.pipe(
    Layer.provideMerge(
      liveLayer(ContainerHttpClient.layer, { container: { namePrefix: prefix }, freezer: { mode, timeout: Duration.seconds(10) } })
    )
  )

const runcState = (id: string): string =>
  JSON.parse(
    execFileSync(runcBinary(), ["--root", runcRoot, "state", id], { encoding: "utf8" })
  ).status

const removeLeftovers = () => {
  for (const id of docker("ps", "-aq", "--no-trunc", "--filter", `name=^/?${prefix}_`).split("\n").filter(Boolean)) {
    const runcResume = () =>
      execFileSync(runcBinary(), ["--root", runcRoot, "resume", id], { stdio: "ignore" })
    // Frozen by the engine, or behind its back (cgroup, runc): the engine cannot kill it until it is thawed.
    for (const thaw of [() => docker("unpause", id), runcResume]) {
      try {
        thaw()
      } catch {
        // not frozen this way
      }
    }
    docker("rm", "-f", id)
  }
}

const pidOf = (id: string) => Effect.map(Effect.promise(() => client.getContainer(id).inspect()), (info) => info.State.Pid)

const makesProgress = (pid: number) => Ticks.makesProgress(Ticks.tickerFile(pid))
const standsStill = (pid: number) => Ticks.standsStill(Ticks.tickerFile(pid))

const processGone = (pid: number) =>
  Effect.suspend(() => {
    if (!existsSync(`/proc/${pid}`)) return Effect.void
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? ""
    return state.startsWith("Z") ? Effect.void : Effect.fail("still running")
  }).pipe(Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 }), Effect.orDie)

const action = `function main(params) { console.log("run " + params.n); return { n: params.n } }`
const callOptions = { timeout: Duration.seconds(20), maxConcurrent: 1 }

/** Collects logs until an activation's lines include the text (a run that timed out while frozen may log first). */
const logsInclude = (container: DockerContainer.DockerContainer, text: string) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 3; attempt++) {
      const lines = yield* container.logLines({ limit: ByteSize.megabytes(1), waitForSentinel: true })
      if (lines.some((line) => line.includes(text))) return
    }
    assert.fail(`no activation logged ${text}`)
  })

const strategies = ["cgroup", "runc", "engine"] as const

// Skip reason: no Docker engine on this developer machine. Never under CI or scripts/test.sh, where a missing engine
// fails the tests.
describe.skipIf(skipWithoutEngine)("the freezer strategies on the real engine", () => {
  beforeAll(async () => {
    buildTestImages()
    removeLeftovers()
    await ensureRuntimeImage()
  }, 600_000)

  afterAll(() => removeLeftovers(), 60_000)

  for (const strategy of strategies) {
    it.scopedLive(`${strategy}: a frozen container makes no progress, a thawed one does; destroy of a frozen one leaves nothing`, () =>
      Effect.gen(function*() {
        const engine = yield* DockerEngine.DockerEngine
        const freezer = yield* Freezer.Freezer
        assert.deepStrictEqual(yield* freezer.strategy, Option.some(strategy))
        const container = yield* DockerContainer.createScoped({ image: tickerImage, userProvided: false })
        const pid = yield* pidOf(container.id)
        yield* makesProgress(pid)

        yield* container.suspend
        yield* standsStill(pid)
        assert.strictEqual(runcState(container.id), "paused")
        assert.strictEqual((yield* engine.state(container.id)).status, strategy === "engine" ? "paused" : "running")

        const target = { id: container.id, pid }
        const again = yield* Effect.either(freezer.freeze(target))
        if (strategy === "cgroup") assert.isTrue(again._tag === "Right", "freezing a frozen container is a no-op")
        else if (strategy === "runc") assert.strictEqual(again._tag === "Left" && again.left._tag, "RuncError")
        else assert.deepInclude(again._tag === "Left" ? again.left : {}, { _tag: "DockerEngineError", reason: "Conflict" })
        yield* standsStill(pid)

        yield* container.resume
        yield* makesProgress(pid)
        assert.strictEqual(runcState(container.id), "running")
        const thawAgain = yield* Effect.either(freezer.thaw(target))
        if (strategy === "cgroup") assert.isTrue(thawAgain._tag === "Right", "thawing a running container is a no-op")
        else if (strategy === "runc") assert.strictEqual(thawAgain._tag === "Left" && thawAgain.left._tag, "RuncError")
        else assert.deepInclude(thawAgain._tag === "Left" ? thawAgain.left : {}, { _tag: "DockerEngineError", reason: "Conflict" })
        yield* makesProgress(pid)

        yield* container.suspend
        yield* container.destroy
        assert.strictEqual((yield* Effect.flip(engine.state(container.id))).reason, "NotFound")
        yield* processGone(pid)
        assert.isFalse(existsSync(freezerCgroup(container.id)), "the container's cgroup is left")
      }).pipe(Effect.provide(live(strategy))), 120_000)

    it.scopedLive(`${strategy}: a frozen action does not answer, answers after the thaw, and its logs continue`, () =>
      Effect.gen(function*() {
        const container = yield* DockerContainer.createScoped({ image: imageTag, userProvided: false })
        yield* container.initialize({ name: "freezer", main: "main", binary: false, code: action }, callOptions)
        assert.deepStrictEqual((yield* container.run({ n: 1 }, {}, callOptions)).response.result, { n: 1 })
        yield* logsInclude(container, "run 1")

        yield* container.suspend
        const frozen = yield* container.run({ n: 0 }, {}, { timeout: Duration.millis(500), maxConcurrent: 1 })
        assert.deepStrictEqual(frozen.response, ActivationResponse.developerError(Messages.timedoutActivation(500, false)))

        yield* container.resume
        assert.deepStrictEqual((yield* container.run({ n: 2 }, {}, callOptions)).response.result, { n: 2 })
        yield* logsInclude(container, "run 2")
      }).pipe(Effect.provide(live(strategy))), 120_000)
  }

  it.scopedLive("auto chooses at the first freeze: cgroup when the container's freezer file is writable", () =>
    Effect.gen(function*() {
      const freezer = yield* Freezer.Freezer
      assert.strictEqual(freezer.mode, "auto")
      assert.isTrue(Option.isNone(yield* freezer.strategy))
      const container = yield* DockerContainer.createScoped({ image: tickerImage, userProvided: false })
      const pid = yield* pidOf(container.id)
      yield* container.suspend
      yield* standsStill(pid)
      const chosen = yield* freezer.strategy
      assert.isTrue(Option.isSome(chosen))
      const writable = (() => {
        try {
          accessSync(`${freezerCgroup(container.id)}/freezer.state`, constants.W_OK)
          return true
        } catch {
          return false
        }
      })()
      if (writable) assert.deepStrictEqual(chosen, Option.some("cgroup"))
      yield* container.resume
      yield* makesProgress(pid)
    }).pipe(Effect.provide(live("auto"))), 120_000)
})
