// `effect-whisk doctor` over mock layers: each check's status and what to change, the trial activation's steps, and
// the exit status (0 when actions can run, 3 when they cannot); the cgroup layout on made-up hierarchies; a
// configured registry that answers and one that does not.
import { ContainerResponse, Errors } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cgroupLayout } from "../src/internal/diagnosis.js"
import { layers, makeLogFile, runCli } from "./support/mockWhisk.js"

/** A runtime whose /run logs the line the trial looks for. */
const doctorRuntime = () => {
  const log = makeLogFile()
  return {
    log,
    respond: (request: { readonly path: string }) =>
      Effect.sync(() => {
        if (request.path === "/init") return ContainerResponse.make(200, '{"OK":true}')
        log.activation([{ stream: "stdout", text: "doctor" }])
        return ContainerResponse.make(200, '{"ok":true}')
      })
  }
}

const line = (stdout: string, name: string) => stdout.split("\n").find((text) => text.slice(6).startsWith(name)) ?? ""

const engineDown = new Errors.DockerEngineError({
  operation: "version",
  reason: "Unavailable",
  description: "connect ENOENT /var/run/docker.sock"
})

describe("effect-whisk doctor", () => {
  it.live("with an engine, the runtime image and a working trial, every check is ok and the exit status 0", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor")
      assert.strictEqual(status, 0, stdout)
      assert.match(line(stdout, "engine"), /^ok +engine +Docker mock-test-client \(API 1\.41\) at /)
      assert.match(line(stdout, "runtime"), /^ok +runtime +effect-whisk\/runtime-nodejs:test is on the engine/)
      assert.match(
        line(stdout, "trial"),
        /^ok +trial +create \d+ ms, init \d+ ms, run \d+ ms, logs \d+ ms, suspend \d+ ms, resume \d+ ms, run \d+ ms; address testIp:8080/
      )
      assert.match(stdout, /actions can run here\n$/)
    }).pipe(Effect.provide(layers(doctorRuntime()))))

  it.live("without an engine, the engine check fails with what to do, the rest that needs it is skipped, exit 3", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor")
      assert.strictEqual(status, 3)
      assert.match(line(stdout, "engine"), /^fail +engine +no engine answers at .*connect ENOENT/)
      assert.include(stdout, "fix: start the engine")
      assert.match(line(stdout, "runtime"), /^skip/)
      assert.match(line(stdout, "trial"), /^skip/)
      assert.match(stdout, /actions cannot run here until the failed checks are fixed\n$/)
    }).pipe(Effect.provide(layers({ ...doctorRuntime(), engine: { version: Effect.fail(engineDown) } }))))

  it.live("without the runtime image, it says how to build it and skips the trial; actions can still run (invoke builds it)", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor")
      assert.strictEqual(status, 0)
      assert.match(line(stdout, "runtime"), /^warn +runtime +effect-whisk\/runtime-nodejs:test is not on the engine/)
      assert.include(stdout, "fix: run `effect-whisk runtime build`")
      assert.match(line(stdout, "trial"), /^skip +trial +needs effect-whisk\/runtime-nodejs:test/)
    }).pipe(Effect.provide(layers({ ...doctorRuntime(), engine: { hasImage: () => Effect.succeed(false) } }))))

  it.live("a trial whose suspend fails names the step and the freezer setting to change, exit 3", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor")
      assert.strictEqual(status, 3)
      assert.match(line(stdout, "trial"), /^fail +trial +suspend failed: /)
      assert.include(stdout, "fix: the freezer failed: set EFFECT_WHISK_FREEZER=engine")
    }).pipe(Effect.provide(layers({
      ...doctorRuntime(),
      runc: {
        pause: (containerId) =>
          Effect.fail(new Errors.RuncError({ operation: "pause", containerId, reason: "NonZeroExit", exitCode: 1 }))
      }
    }))))

  it.live("a trial whose activation writes no log line fails at logs and says how to read logs through the engine", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor")
      assert.strictEqual(status, 3)
      assert.match(line(stdout, "trial"), /^fail +trial +logs failed: the activation's log line is missing/)
      assert.include(stdout, "EFFECT_WHISK_LOG_SOURCE=api")
    }).pipe(Effect.provide(layers({
      respond: (request) =>
        Effect.succeed(ContainerResponse.make(200, request.path === "/init" ? '{"OK":true}' : "{}"))
    }))))

  it.live("--json prints the checks and whether actions can run as one object", () =>
    Effect.gen(function*() {
      const { status, stdout } = yield* runCli("doctor", "--json")
      assert.strictEqual(status, 0)
      const diagnosis = JSON.parse(stdout) as { canRun: boolean; checks: Array<{ name: string; status: string }> }
      assert.isTrue(diagnosis.canRun)
      assert.deepStrictEqual(
        diagnosis.checks.map((check) => check.name),
        ["engine", "cgroup", "freezer", "address", "registry", "runtime", "trial"]
      )
    }).pipe(Effect.provide(layers(doctorRuntime()))))
})

describe("effect-whisk doctor's registry check", () => {
  const listening = Effect.acquireRelease(
    Effect.async<Server>((resume) => {
      const server = createServer((request, response) => {
        response.statusCode = request.url === "/v2/" ? 200 : 404
        response.end("{}")
      })
      server.listen(0, "127.0.0.1", () => {
        resume(Effect.succeed(server))
      })
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

  it.scoped("a configured registry that answers /v2/ is ok; one where nothing listens is a warning with what to change", () =>
    Effect.gen(function*() {
      const server = yield* listening
      const answering = `127.0.0.1:${(server.address() as AddressInfo).port}`
      // Port 9 (discard) on loopback: nothing listens there.
      const silent = "127.0.0.1:9"
      const { stdout } = yield* runCli("doctor").pipe(
        Effect.provide(layers({ ...doctorRuntime(), config: { container: { registry: { runtimes: answering, userImages: silent } } } }))
      )
      const lines = stdout.split("\n").filter((text) => text.slice(6).startsWith("registry"))
      assert.strictEqual(lines.length, 2)
      assert.match(lines[0]!, new RegExp(`^ok +registry +${answering} \\(EFFECT_WHISK_RUNTIMES_REGISTRY\\) answers`))
      assert.match(lines[1]!, /^warn +registry +127\.0\.0\.1:9 \(EFFECT_WHISK_USER_IMAGES_REGISTRY\) does not answer/)
      assert.include(stdout, "fix: start the registry or correct EFFECT_WHISK_USER_IMAGES_REGISTRY")
    }))
})

describe("effect-whisk doctor's cgroup check", () => {
  const hierarchy = (make: (root: string) => void) => {
    const root = mkdtempSync(join(tmpdir(), "effect-whisk-cgroup-"))
    try {
      make(root)
      return cgroupLayout(root)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }

  it("tells cgroup v2, v1 with a freezer hierarchy, and neither apart", () => {
    const v2 = hierarchy((root) => writeFileSync(join(root, "cgroup.controllers"), "cpu memory\n"))
    assert.strictEqual(v2.status, "ok")
    assert.match(v2.summary, /^v2 \(unified hierarchy/)
    const v1 = hierarchy((root) => mkdirSync(join(root, "freezer")))
    assert.strictEqual(v1.status, "ok")
    assert.match(v1.summary, /^v1 \(freezer hierarchy/)
    const none = hierarchy(() => undefined)
    assert.strictEqual(none.status, "warn")
    assert.include(none.fix ?? "", "EFFECT_WHISK_FREEZER")
  })
})
