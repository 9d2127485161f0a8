// The bundle the packed package runs (scripts/bundle.js, with its deep-imports plugin) against the real engine:
// `invoke` works end to end from it, and loads neither BuildKit's gRPC modules nor ssh2, which dockerode would
// otherwise require at its load (they only serve features the command does not use on a unix socket).
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  CliTestError,
  containersNamed,
  engineAnswers,
  type Finished,
  removeContainersNamed,
  repositoryRoot,
  requireDocker
} from "./support/builtCli.js"

const cli = fileURLToPath(new URL("..", import.meta.url))

/** Runs `node <args>` from the repository's root; the child is killed if the test is interrupted. */
const node = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, args, { cwd: repositoryRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  ).pipe(
    Effect.flatMap((child) =>
      Effect.async<Finished>((resume) => {
        let stdout = ""
        let stderr = ""
        child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
        child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
        child.once("close", (status, signal) => resume(Effect.succeed({ status, signal, stdout, stderr })))
      })
    ),
    Effect.scoped
  )

/** A fresh bundle under packages/cli/.cache (inside the repository, where it finds dockerode and the runtime). */
const bundle = Effect.acquireRelease(
  Effect.gen(function*() {
    const dir = join(cli, ".cache", `test-bundle-${randomBytes(4).toString("hex")}`)
    const built = yield* node([join(cli, "scripts", "bundle.js"), dir])
    if (built.status !== 0) return yield* new CliTestError({ message: `bundle.js failed: ${built.stderr}` })
    return dir
  }),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("the command's bundle", () => {
  // Skip reason: no engine answers on this developer machine; never skipped under CI or scripts/test.sh (requireDocker).
  it.scopedLive.skipIf(!engineAnswers && !requireDocker)(
    "runs invoke examples/hello.js on the real engine without loading gRPC or ssh2, and leaves no container",
    () => {
      const prefix = `cli-bundle-${randomBytes(4).toString("hex")}`
      return Effect.gen(function*() {
        const dir = yield* bundle
        // Preloaded: writes the modules the process loaded through require when it exits.
        const loaded = join(dir, "loaded.json")
        const preload = join(dir, "record-loaded.cjs")
        writeFileSync(
          preload,
          `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))))\n`
        )
        const finished = yield* node(["--require", preload, join(dir, "start.js"), "invoke", "examples/hello.js", "--json"], {
          EFFECT_WHISK_CONTAINER_NAME_PREFIX: prefix
        })
        assert.strictEqual(finished.status, 0, finished.stderr)
        const report = JSON.parse(finished.stdout) as {
          activations: Array<{ response: { statusCode: number; result: unknown } }>
        }
        assert.strictEqual(report.activations[0]!.response.statusCode, 0)
        assert.deepStrictEqual(report.activations[0]!.response.result, { greeting: "Hello, world!" })
        const modules = JSON.parse(readFileSync(loaded, "utf8")) as Array<string>
        assert.isTrue(modules.some((file) => file.includes("/node_modules/dockerode/")), "dockerode was loaded")
        for (const unused of ["@grpc/grpc-js", "@grpc/proto-loader", "protobufjs", "ssh2"]) {
          assert.isFalse(modules.some((file) => file.includes(`/node_modules/${unused}/`)), `${unused} was loaded`)
        }
        assert.deepStrictEqual(yield* containersNamed(prefix), [])
      }).pipe(Effect.ensuring(removeContainersNamed(prefix)))
    },
    120_000
  )
})
