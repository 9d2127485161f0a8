// A program of a user of the published packages, on the real engine (README, "Using it from an Effect program"):
// create a container from the runtime image, /init a tiny action, /run it, print the answer as JSON; the Scope
// destroys the container. scripts/check-packages.sh builds and runs it in a scratch project of installed tarballs.
import { WhiskConfig } from "@effect-whisk/core"
import { DockerContainer, WhiskLive } from "@effect-whisk/docker"
import { imageTag } from "@effect-whisk/runtime-nodejs"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"

// The live layer removes leftovers of its name prefix at start and stop, so the check uses its own prefix
// (check-packages.sh also looks for containers left with it).
const namePrefix = process.env["PACKAGE_CHECK_PREFIX"] ?? "effect-whisk-package-check"
const options = { timeout: Duration.seconds(30), maxConcurrent: 1 }

const program = Effect.scoped(Effect.gen(function*() {
  const container = yield* DockerContainer.createScoped({ image: imageTag, userProvided: false })
  yield* container.initialize(
    { name: "hello", main: "main", binary: false, code: "function main(p) { return { hi: p.name } }" },
    options
  )
  const { response } = yield* container.run({ name: "package" }, {}, options)
  yield* Console.log(JSON.stringify({ statusCode: response.statusCode, result: response.result }))
}))

NodeRuntime.runMain(
  program.pipe(Effect.provide(WhiskLive.layerWithConfig(WhiskConfig.layerWith({ container: { namePrefix } }))))
)
