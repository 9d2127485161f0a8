// The built command against the real engine: the "done" check (`invoke examples/hello.js --json` prints the
// JSON with statusCode 0 and leaves no container) and Ctrl-C in the middle of an activation.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import {
  awaitRunningContainer,
  containersNamed,
  engineAnswers,
  removeContainersNamed,
  requireDocker,
  runBuiltCli
} from "./support/builtCli.js"

// Each test gets its own container name prefix, so that it sees only its own containers.
const uniquePrefix = () => `cli-e2e-${randomBytes(4).toString("hex")}`

// The first run may build the runtime image.
const timeout = 240_000

describe("the built effect-whisk command on the real engine", () => {
  // Skip reason: no Docker engine on this developer machine, nothing to run on. Never under CI or scripts/test.sh
  // (requireDocker), where a missing engine fails the test.
  it.live.skipIf(!engineAnswers && !requireDocker)(
    "invoke examples/hello.js --json prints one JSON object with statusCode 0 and leaves no container",
    () => {
      const prefix = uniquePrefix()
      return Effect.gen(function*() {
        const finished = yield* runBuiltCli(["invoke", "examples/hello.js", "--json"], {
          EFFECT_WHISK_CONTAINER_NAME_PREFIX: prefix
        })
        assert.strictEqual(finished.status, 0, finished.stderr)
        const report = JSON.parse(finished.stdout) as {
          container: { id: string; image: string }
          timings: Record<string, number>
          activations: Array<{ response: { statusCode: number; result: unknown }; logs: Array<string> }>
        }
        assert.match(report.container.id, /^[0-9a-f]{64}$/)
        assert.deepStrictEqual(Object.keys(report.timings).sort(), ["create", "destroy", "init"])
        assert.strictEqual(report.activations.length, 1)
        assert.strictEqual(report.activations[0]!.response.statusCode, 0)
        assert.deepStrictEqual(report.activations[0]!.response.result, { greeting: "Hello, world!" })
        const logs = report.activations[0]!.logs
        assert.isTrue(logs.some((line) => / stdout: hello\.js greets world$/.test(line)), logs.join("\n"))
        assert.isTrue(logs.some((line) => / stderr: hello\.js writes this line to stderr$/.test(line)), logs.join("\n"))
        assert.deepStrictEqual(yield* containersNamed(prefix), [])
      }).pipe(Effect.ensuring(removeContainersNamed(prefix)))
    },
    timeout
  )

  // Skip reason: no Docker engine on this developer machine, as above; never under CI or scripts/test.sh.
  it.live.skipIf(!engineAnswers && !requireDocker)(
    "Ctrl-C during an activation removes the container and exits with 130",
    () => {
      const prefix = uniquePrefix()
      return Effect.gen(function*() {
        const finished = yield* runBuiltCli(
          ["invoke", "packages/cli/test/fixtures/slow.js", "--json"],
          { EFFECT_WHISK_CONTAINER_NAME_PREFIX: prefix },
          (pid) =>
            awaitRunningContainer(prefix).pipe(
              // Past create and /init, into the minute-long /run.
              Effect.zipRight(Effect.sleep("2 seconds")),
              Effect.zipRight(Effect.sync(() => process.kill(pid, "SIGINT")))
            )
        )
        assert.strictEqual(finished.status, 130, finished.stderr)
        assert.strictEqual(finished.stdout, "")
        assert.match(finished.stderr, /interrupted: container [0-9a-f]{64} was removed/)
        assert.deepStrictEqual(yield* containersNamed(prefix), [])
      }).pipe(Effect.ensuring(removeContainersNamed(prefix)))
    },
    timeout
  )
})
