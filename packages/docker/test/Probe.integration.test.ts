// DockerContainer.probe (PX10) on real containers of the runtime image, through the live layers, at the address each
// strategy gives (the container's own address on its network, or the port the engine publishes): a running
// container accepts the probe, a suspended one too (its kernel completes the handshake for the frozen process, so the
// probe cannot tell a frozen container from a running one), and once the engine has killed its process the probe
// fails with a typed ProbeError: Refused at a published port (the engine stopped forwarding it), Timeout (or
// Unreachable) at the address of a container that left its network. Interrupting a probe that waits leaves no
// socket. No skip: scripts/test.sh (and CI) brings up the engine; the image is built here only when it is missing.
import { WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import * as FreezerChoice from "@effect-whisk/docker/FreezerChoice"
import { ensureRuntimeImage, imageTag } from "@effect-whisk/runtime-nodejs/ImageBuild"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import Docker from "dockerode"
import { Duration, Effect, Fiber, Layer, Option, Schedule } from "effect"
import { liveLayer } from "./support/liveLayer.js"
import { docker } from "./support/realEngine.js"

// A prefix of its own, so a cleanup of leftovers that another test runs at the same time leaves these alone.
const prefix = `ewit-probe-${process.pid}`
// A network of its own: on the default bridge the address of a killed container is soon given to another test's new
// container, which may listen on 8080 and accept the probe.
const network = `${prefix}-net`
// The engine under test: support/testEngine.ts (imported by liveLayer) has pointed DOCKER_HOST at it.
const client = new Docker()

const live = (config: WhiskConfig.Overrides) =>
  FreezerChoice.layer.pipe(
    Layer.provideMerge(liveLayer(ContainerHttpClient.layer, { ...config, container: { namePrefix: prefix } }))
  )

beforeAll(async () => {
  await ensureRuntimeImage()
  docker("network", "create", network)
}, 600_000)

afterAll(() => {
  docker("network", "rm", network)
}, 60_000)

const second = { timeout: Duration.seconds(1) }

/** The runtime listens a moment after its container starts: probed until it accepts (the pool waits a period). */
const accepted = (container: DockerContainer.DockerContainer) =>
  container.probe(second).pipe(Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("10 seconds"))))

/** The engine kills the container's process (this test's own container only) and reports it stopped. */
const killByEngine = (container: DockerContainer.DockerContainer) =>
  Effect.gen(function*() {
    yield* Effect.promise(() => client.getContainer(container.id).kill())
    yield* Effect.promise(() => client.getContainer(container.id).inspect()).pipe(
      Effect.flatMap((info) => info.State.Running ? Effect.fail("running") : Effect.void),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("10 seconds")))
    )
  })

const openSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length

describe("DockerContainer.probe on real containers", () => {
  for (const address of ["auto", "published"] as const) {
    it.scopedLive(`EFFECT_WHISK_ADDRESS=${address}: running and suspended containers accept the probe`, () =>
      Effect.gen(function*() {
        const container = yield* DockerContainer.createScoped({ image: imageTag, userProvided: false, network })
        if (address === "published") assert.isTrue(container.address.published, container.address.asString)
        yield* accepted(container)
        yield* container.suspend
        assert.strictEqual(yield* container.state, "Suspended")
        // The kernel accepts the connection for the frozen process: a probe does not see a freeze.
        yield* container.probe(second)
        yield* container.resume
        yield* container.probe(second)
      }).pipe(Effect.provide(live({ engine: { address } }))), 60_000)

    it.scopedLive(`EFFECT_WHISK_ADDRESS=${address}: after the engine killed the process, the probe fails with ProbeError`, () =>
      Effect.gen(function*() {
        const container = yield* DockerContainer.createScoped({ image: imageTag, userProvided: false, network })
        yield* accepted(container)
        yield* killByEngine(container)
        const error = yield* Effect.flip(container.probe(second))
        assert.strictEqual(error._tag, "ProbeError")
        if (error._tag !== "ProbeError") return
        assert.strictEqual(error.target, container.address.asString)
        if (container.address.published) {
          // The engine no longer forwards the port of a stopped container.
          assert.strictEqual(error.reason, "Refused", error.message)
        } else {
          // Its address left the network: nothing answers there (the kernel gives up with EHOSTUNREACH after ~3 s).
          assert.include(["Timeout", "Unreachable"], error.reason, error.message)
          // A probe that waits there and is interrupted leaves no socket (once the kernel has marked the address
          // unreachable, the next connect may fail at once instead: either way no socket stays open).
          // The socket of the probe that timed out closes asynchronously: counted once it is gone.
          yield* Effect.sleep("200 millis")
          const before = openSockets()
          const waiting = yield* Effect.fork(container.probe({ timeout: Duration.seconds(30) }))
          yield* Effect.sleep("200 millis")
          if (Option.isNone(yield* Fiber.poll(waiting))) assert.strictEqual(openSockets(), before + 1)
          yield* Fiber.interrupt(waiting)
          yield* Effect.suspend(() => openSockets() === before ? Effect.void : Effect.fail("socket open")).pipe(
            Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("2 seconds")))
          )
        }
        yield* container.destroy
        const destroyed = yield* Effect.flip(container.probe(second))
        assert.strictEqual(destroyed._tag, "ContainerDestroyed")
      }).pipe(Effect.provide(live({ engine: { address } }))), 60_000)
  }
})
