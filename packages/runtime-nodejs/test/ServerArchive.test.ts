import { assert, describe, it } from "@effect/vitest"
import { realpathSync } from "node:fs"
import { dirname } from "node:path"
import { tarGzBase64, zipBase64 } from "./support/archives.js"
import { useRuntime } from "./support/fixture.js"

const archiveInit = (code: string, main = "main") => ({ value: { name: "archive", main, binary: true, code } })

const reportsCwd = (from: string) => `exports.main = (p) => ({ from: "${from}", cwd: process.cwd(), p })`

describe("POST /init with a base64 archive (binary: true)", () => {
  const { fresh } = useRuntime()

  it("loads index.js of a zip, extracted into a directory under the cwd that becomes the cwd", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", archiveInit(zipBase64({ "index.js": reportsCwd("zip") })))
    assert.strictEqual(init.status, 200, init.text)
    const run = await runtime.post("/run", { value: { x: 1 } })
    assert.strictEqual(run.status, 200)
    const result = run.json as { from: string; cwd: string; p: unknown }
    assert.strictEqual(result.from, "zip")
    assert.deepStrictEqual(result.p, { x: 1 })
    assert.strictEqual(dirname(result.cwd), realpathSync(runtime.cwd))
  })

  it("loads a tar.gz", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", archiveInit(await tarGzBase64({ "index.js": reportsCwd("tar.gz") })))
    assert.strictEqual(init.status, 200, init.text)
    const run = await runtime.post("/run", { value: {} })
    assert.strictEqual((run.json as { from: string }).from, "tar.gz")
  })

  it("takes main as file.function", async () => {
    const runtime = await fresh()
    const code = zipBase64({ "other.js": "exports.handlers = { run: () => ({ from: 'other.js' }) }" })
    const init = await runtime.post("/init", archiveInit(code, "other.handlers.run"))
    assert.strictEqual(init.status, 200, init.text)
    const run = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual(run.json, { from: "other.js" })
  })

  it("follows package.json main, with files in subdirectories", async () => {
    const runtime = await fresh()
    const code = await tarGzBase64({
      "package.json": JSON.stringify({ name: "a", main: "lib/entry.js" }),
      "lib/entry.js": "const { helper } = require('./helper'); exports.main = () => ({ from: helper() })",
      "lib/helper.js": "exports.helper = () => 'lib/helper.js'"
    })
    const init = await runtime.post("/init", archiveInit(code))
    assert.strictEqual(init.status, 200, init.text)
    const run = await runtime.post("/run", { value: {} })
    assert.deepStrictEqual(run.json, { from: "lib/helper.js" })
  })

  it("rejects an archive of an unsupported type with upstream's message", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", archiveInit(Buffer.from("hello world").toString("base64")))
    assert.strictEqual(init.status, 502)
    assert.deepStrictEqual(init.json, {
      error:
        "Initialization has failed due to: There was an error uncompressing the action archive. The file type is unsupported"
    })
  })

  it("rejects a zip without package.json or index.js", async () => {
    const runtime = await fresh()
    const init = await runtime.post("/init", archiveInit(zipBase64({ "other.js": reportsCwd("zip") })))
    assert.strictEqual(init.status, 502)
    assert.deepStrictEqual(init.json, {
      error: "Initialization has failed due to: Zipped actions must contain either package.json or index.js at the root."
    })
  })

  it("rejects a corrupt zip with upstream's message", async () => {
    const runtime = await fresh()
    const corrupt = Buffer.concat([Buffer.from("504b0304", "hex"), Buffer.alloc(64, 7)]).toString("base64")
    const init = await runtime.post("/init", archiveInit(corrupt))
    assert.strictEqual(init.status, 502)
    assert.deepStrictEqual(init.json, {
      error: "Initialization has failed due to: There was an error uncompressing the action archive."
    })
  })
})
