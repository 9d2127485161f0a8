// Where DOCKER_HOST says the engine is, and whether that is this machine (what the address and freezer strategies'
// `auto` start from).
import { EngineEndpoint } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

describe("EngineEndpoint.fromDockerHost", () => {
  it.effect("a socket or a loopback address is this machine; any other host is not", () =>
    Effect.sync(() => {
      const cases: ReadonlyArray<readonly [string | undefined, string, boolean]> = [
        [undefined, "127.0.0.1", true],
        ["", "127.0.0.1", true],
        ["unix:///run/podman/podman.sock", "127.0.0.1", true],
        ["npipe:////./pipe/docker_engine", "127.0.0.1", true],
        ["tcp://127.0.0.1:2375", "127.0.0.1", true],
        ["tcp://localhost:2375", "localhost", true],
        ["tcp://[::1]:2375", "::1", true],
        ["tcp://10.0.0.5:2376", "10.0.0.5", false],
        ["ssh://builder@engine.example", "engine.example", false],
        ["tcp://[fd00::5]:2376", "fd00::5", false]
      ]
      for (const [dockerHost, host, local] of cases) {
        const endpoint = EngineEndpoint.fromDockerHost(dockerHost)
        assert.deepStrictEqual([endpoint.host, endpoint.local], [host, local], String(dockerHost))
      }
      assert.strictEqual(EngineEndpoint.fromDockerHost(undefined).url, "unix:///var/run/docker.sock")
    }))

  it.effect("a DOCKER_HOST that is not a URL is no local engine", () =>
    Effect.sync(() => {
      assert.deepInclude(EngineEndpoint.fromDockerHost("tcp://[not an address"), { local: false })
    }))
})
