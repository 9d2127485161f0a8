// dockerode is loaded with BuildKit's session module and docker-modem's ssh module deferred to their first call (they
// load gRPC, protobufjs and ssh2, which the command's start does not need); an ssh:// engine still gets ssh2.
// This file imports no dockerode itself: each test file runs in its own worker process, so `load` finds it not yet
// loaded and takes the deferring path.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as DockerodeModule from "../src/internal/dockerodeModule.js"

const require = createRequire(import.meta.url)

const loadedFrom = (name: string) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`))

/** A CommonJS module in a fresh directory whose export is a function; it counts its loads on globalThis. */
const functionModule = Effect.acquireRelease(
  Effect.sync(() => {
    const directory = mkdtempSync(join(tmpdir(), "effect-whisk-deferred-"))
    const file = join(directory, "module.cjs")
    const key = `effectWhiskLoads${directory.replace(/\W/g, "")}`
    writeFileSync(
      file,
      `globalThis.${key} = (globalThis.${key} ?? 0) + 1\nmodule.exports = function (a, b) { return { self: this, sum: a + b } }\n`
    )
    return { directory, file, loads: () => (globalThis as Record<string, unknown>)[key] ?? 0 }
  }),
  ({ directory, file }) =>
    Effect.sync(() => {
      delete require.cache[file]
      rmSync(directory, { recursive: true, force: true })
    })
)

describe("dockerode's deferred modules", () => {
  it.scoped("a deferred module is loaded on the first call of its export, which then goes to the real function", () =>
    Effect.gen(function*() {
      const module = yield* functionModule
      DockerodeModule.deferFunctionModule(module.file)
      const exported = require(module.file) as (this: unknown, a: number, b: number) => { self: unknown; sum: number }
      assert.strictEqual(module.loads(), 0)
      const self = { name: "receiver" }
      const answer = exported.call(self, 2, 3)
      assert.strictEqual(module.loads(), 1)
      assert.strictEqual(answer.sum, 5)
      assert.strictEqual(answer.self, self)
      assert.strictEqual(exported(1, 1).sum, 2)
      assert.strictEqual(module.loads(), 1)
      assert.notStrictEqual(require(module.file), exported, "a later require gets the real module")
    }))

  it.scoped("a module already loaded is left as it is", () =>
    Effect.gen(function*() {
      const module = yield* functionModule
      const real = require(module.file)
      DockerodeModule.deferFunctionModule(module.file)
      assert.strictEqual(require(module.file), real)
      assert.strictEqual(module.loads(), 1)
    }))

  it.live("dockerode loads without gRPC, protobufjs or ssh2, and an ssh:// engine gets ssh2 at its first request", () =>
    Effect.gen(function*() {
      assert.isFalse(loadedFrom("dockerode"), "nothing in this worker loaded dockerode before")
      const Docker = DockerodeModule.load()
      assert.isTrue(loadedFrom("dockerode"))
      assert.isFalse(loadedFrom("@grpc/grpc-js"))
      assert.isFalse(loadedFrom("protobufjs"))
      assert.isFalse(loadedFrom("ssh2"))
      // An "engine" that records the first bytes a client sends: an ssh client begins with its identification line.
      const firstBytes = yield* Effect.async<string>((resume) => {
        const server = net.createServer((socket) => {
          socket.once("data", (data) => {
            socket.destroy()
            server.close()
            resume(Effect.succeed(data.toString("latin1")))
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const port = (server.address() as net.AddressInfo).port
          const docker = new Docker({ protocol: "ssh", host: "127.0.0.1", port, username: "nobody" })
          docker.version().catch(() => undefined)
        })
        return Effect.sync(() => server.close())
      }).pipe(Effect.timeout("10 seconds"))
      assert.match(firstBytes, /^SSH-2\.0-/)
      assert.isTrue(loadedFrom("ssh2"))
      assert.isFalse(loadedFrom("@grpc/grpc-js"))
    }))
})
