import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, onTestFinished } from "vitest"
import { ensureRuntimeImage, imageTag, inputsHashLabel, RuntimeImageBuildError } from "../src/ImageBuild.js"
import { zipBase64 } from "./support/archives.js"
import type { CompiledServer } from "./support/compileServer.js"
import { compileServer } from "./support/compileServer.js"
import { initBody, sentinel } from "./support/fixture.js"
import type { Answer } from "./support/http.js"
import { send } from "./support/http.js"

// These tests need a Docker engine and the docker CLI. Under CI (or with EFFECT_WHISK_REQUIRE_DOCKER set) a
// missing engine is a failure, never a skip.
const requireDocker = process.env["CI"] === "true" ||
  !["", "0", undefined].includes(process.env["EFFECT_WHISK_REQUIRE_DOCKER"])

const docker = (...args: Array<string>) =>
  new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile("docker", args, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker ${args.join(" ")} failed: ${stderr || String(error)}`)) : resolve({ stdout, stderr })
    )
  )

const dockerAnswers = await docker("info").then(() => true, () => false)
const needsDocker = !dockerAnswers && !requireDocker

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Like the invoker: retry /init while the container's port is not open yet.
const initWithRetry = async (host: string, body: unknown): Promise<Answer> => {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      return await send(8080, "/init", body, { host })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(50)
    }
  }
}

/** A container of the image, removed when the test ends; answers its id and bridge IP. */
const startContainer = async () => {
  const { stdout } = await docker("run", "-d", "-e", "__OW_API_HOST=https://apihost.example", imageTag)
  const id = stdout.trim()
  onTestFinished(() => docker("rm", "-f", id).then(() => undefined))
  const inspect = await docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id)
  const ip = inspect.stdout.trim()
  if (ip === "") throw new Error(`container ${id} has no IP address`)
  return { id, ip }
}

describe("the runtime image", () => {
  let compiled: CompiledServer | undefined
  beforeAll(async () => {
    compiled = await compileServer()
  }, 120_000)
  afterAll(() => compiled?.remove())
  const serverDir = () => compiled?.dir ?? assert.fail("the server was not compiled")

  it("is tagged with the package version", () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string
    }
    assert.strictEqual(imageTag, `effect-whisk/runtime-nodejs:${version}`)
  })

  it("refuses to build without the compiled server, saying what to run", async () => {
    const error: unknown = await ensureRuntimeImage({ serverDir: "/nonexistent/dist" }).catch((e: unknown) => e)
    assert.instanceOf(error, RuntimeImageBuildError)
    assert.strictEqual(error.reason, "ServerNotCompiled")
    assert.include(error.message, "npx tsc -b packages/runtime-nodejs")
  })

  it("a label its reader cannot read is DockerUnavailable, saying why", async () => {
    const asked: Array<[string, string]> = []
    const error: unknown = await ensureRuntimeImage({
      serverDir: serverDir(),
      labelOf: (image, label) => {
        asked.push([image, label])
        return Promise.reject(new Error("connect ENOENT /var/run/nowhere.sock"))
      }
    }).catch((e: unknown) => e)
    assert.instanceOf(error, RuntimeImageBuildError)
    assert.strictEqual(error.reason, "DockerUnavailable")
    assert.include(error.message, "connect ENOENT /var/run/nowhere.sock")
    assert.deepStrictEqual(asked, [[imageTag, inputsHashLabel]])
  })

  it("a label reader that does not answer is stopped by the caller's signal", async () => {
    const controller = new AbortController()
    let readerAborted = false
    const ensured = ensureRuntimeImage({
      serverDir: serverDir(),
      signal: controller.signal,
      labelOf: (_image, _label, signal) => {
        signal.addEventListener("abort", () => (readerAborted = true))
        return new Promise(() => undefined)
      }
    }).catch((e: unknown) => e)
    setTimeout(() => controller.abort(), 20)
    const error: unknown = await ensured
    assert.instanceOf(error, RuntimeImageBuildError)
    assert.strictEqual(error.reason, "Interrupted")
    assert.isTrue(readerAborted)
  })

  it("a signal aborted before the call stops a label reader that does not answer", async () => {
    const error: unknown = await ensureRuntimeImage({
      serverDir: serverDir(),
      signal: AbortSignal.abort(),
      labelOf: () => new Promise(() => undefined)
    }).catch((e: unknown) => e)
    assert.instanceOf(error, RuntimeImageBuildError)
    assert.strictEqual(error.reason, "Interrupted")
  }, 10_000)

  // Skip reason: no Docker engine on this developer machine. Never under CI or scripts/test.sh (requireDocker).
  it.skipIf(needsDocker)("is built, then reported current by the next call (needs docker)", async () => {
    const first = await ensureRuntimeImage({ serverDir: serverDir(), force: true })
    assert.deepStrictEqual([first.image, first.built], [imageTag, true])
    const second = await ensureRuntimeImage({ serverDir: serverDir() })
    assert.deepStrictEqual([second.image, second.built, second.inputsHash], [imageTag, false, first.inputsHash])
    const label = await docker("image", "inspect", "--format", `{{ index .Config.Labels "${inputsHashLabel}" }}`, imageTag)
    assert.strictEqual(label.stdout.trim(), first.inputsHash)
    // The label read another way (the command reads it over the engine's API) gives the same answer.
    const asked: Array<string> = []
    const third = await ensureRuntimeImage({
      serverDir: serverDir(),
      labelOf: async (image, name) => {
        asked.push(image)
        return (await docker("image", "inspect", "--format", `{{ index .Config.Labels "${name}" }}`, image)).stdout.trim()
      }
    })
    assert.deepStrictEqual([third.built, third.inputsHash, asked], [false, first.inputsHash, [imageTag]])
  }, 600_000)

  // Skip reason: no Docker engine on this developer machine. Never under CI or scripts/test.sh (requireDocker).
  it.skipIf(needsDocker)("runs a hello action and a zip action in containers (needs docker)", async () => {
    await ensureRuntimeImage({ serverDir: serverDir() })

    const hello = await startContainer()
    const code = `function main(params) {
  console.log("stdout line, name=" + params.name)
  console.error("stderr line")
  return { greeting: "hello " + params.name, cwd: process.cwd(), apiHost: process.env.__OW_API_HOST }
}`
    const init = await initWithRetry(hello.ip, initBody(code))
    assert.deepStrictEqual([init.status, init.json], [200, { OK: true }])
    const run = await send(8080, "/run", { value: { name: "x" } }, { host: hello.ip })
    assert.deepStrictEqual([run.status, run.json], [
      200,
      { greeting: "hello x", cwd: "/nodejsAction", apiHost: "https://apihost.example" }
    ])
    const logs = await docker("logs", hello.id)
    assert.strictEqual(logs.stdout, `stdout line, name=x\n${sentinel}\n`)
    assert.strictEqual(logs.stderr, `stderr line\n${sentinel}\n`)

    // busybox unzip inside the image extracts the archive.
    const zipped = await startContainer()
    const zip = zipBase64({ "index.js": "exports.main = () => ({ from: 'zip', cwd: process.cwd() })" })
    const zipInit = await initWithRetry(zipped.ip, { value: { name: "z", main: "main", binary: true, code: zip } })
    assert.strictEqual(zipInit.status, 200, zipInit.text)
    const zipRun = await send(8080, "/run", { value: {} }, { host: zipped.ip })
    assert.strictEqual((zipRun.json as { from: string }).from, "zip")
    assert.match((zipRun.json as { cwd: string }).cwd, /^\/nodejsAction\/[^/]+$/)
  }, 600_000)
})
