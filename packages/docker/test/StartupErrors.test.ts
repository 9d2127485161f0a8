// The startup errors of DockerContainer.create keep OpenWhisk's verbatim message (what the activation reports) and
// carry the failure underneath as `cause`; `detail` says what actually went wrong (F13). Over core's test layers.
import { ContainerHttp, ContainerId, DockerEngine, Errors, Runc, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"

const services = (engine: Partial<DockerEngine.Service>) =>
  Layer.mergeAll(DockerEngine.layerTest(engine), Runc.layerTest(), ContainerHttp.layerTest(), WhiskConfig.layerWith({}))

const engineError = (operation: string, description: string) =>
  new Errors.DockerEngineError({ operation, reason: "ServerError", description })

/** Fails `create` and checks the error's tag, verbatim message, `cause` and `detail`. */
const expectStartupError = (
  options: DockerContainer.CreateOptions,
  expected: { readonly tag: string; readonly message: string; readonly cause: Error }
) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(DockerContainer.create(options))
    assert.strictEqual(error._tag, expected.tag)
    if (error._tag !== "WhiskContainerStartupError" && error._tag !== "BlackboxStartupError") return
    assert.strictEqual(error.message, expected.message)
    const cause = error.cause as { readonly _tag?: string; readonly message?: string } | undefined
    // The same failure (compared by tag and message: the layers may hand on a copy of the error).
    assert.strictEqual(cause?._tag, (expected.cause as { readonly _tag?: string })._tag, "the underlying failure is the cause")
    assert.strictEqual(cause?.message, expected.cause.message)
    assert.include(error.detail, expected.message)
    assert.include(error.detail, expected.cause.message, "detail says what went wrong underneath")
  })

describe("startup errors: message, cause and detail", () => {
  const createRefused = engineError("create", "no space left on device")
  it.effect("a create the engine refuses: the provisioning message, the engine's error as cause, the image in detail", () =>
    Effect.gen(function*() {
      yield* expectStartupError({ image: "image:1.0", userProvided: false }, {
        tag: "WhiskContainerStartupError",
        message: "Failed to provision resources to run the action.",
        cause: createRefused
      })
      const error = yield* Effect.flip(DockerContainer.create({ image: "image:1.0", userProvided: false }))
      if (error._tag === "WhiskContainerStartupError") assert.include(error.detail, "image:1.0")
    }).pipe(Effect.provide(services({ createAndStart: () => Effect.fail(createRefused) }))))

  const pullFailed = engineError("pull", "pull access denied for team/action, repository does not exist")
  it.effect("a failed pull: the verbatim pull message, the registry's answer as cause and in detail", () =>
    expectStartupError({ image: "team/action", userProvided: true }, {
      tag: "BlackboxStartupError",
      message: "Failed to pull container image 'team/action'.",
      cause: pullFailed
    }).pipe(Effect.provide(services({ pull: () => Stream.fail(pullFailed) }))))

  const broken = new Errors.BrokenContainer({
    containerId: ContainerId.make("brokenId"),
    image: "image:1.0",
    exitStatus: 127,
    cause: new Error("exec: \"/bin/proxy\": executable file not found in $PATH")
  })
  it.effect("a command that does not exist: the verbatim message, the broken container as cause", () =>
    expectStartupError({ image: "image:1.0", userProvided: false }, {
      tag: "BlackboxStartupError",
      message: "executable file not found in image image:1.0",
      cause: broken
    }).pipe(Effect.provide(services({ createAndStart: () => Effect.fail(broken) }))))

  const inspectFailed = engineError("inspect", "network testwork not found")
  it.effect("a failed address lookup: the provisioning message, the inspect failure as cause", () =>
    expectStartupError({ image: "image:1.0", userProvided: false }, {
      tag: "WhiskContainerStartupError",
      message: "Failed to provision resources to run the action.",
      cause: inspectFailed
    }).pipe(Effect.provide(services({ inspectAddress: () => Effect.fail(inspectFailed) }))))
})
