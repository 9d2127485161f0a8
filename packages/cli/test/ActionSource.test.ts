import { FileSystem, Path } from "@effect/platform"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as zlib from "node:zlib"
import * as ActionSource from "../src/internal/actionSource.js"

const inTempDir = <A, E>(use: (dir: string, fs: FileSystem.FileSystem, path: Path.Path) => Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-whisk-action-" })
    return yield* use(dir, fs, path)
  }).pipe(Effect.provide(NodeContext.layer))

const failureMessage = (location: string) =>
  Effect.flip(ActionSource.load(location)).pipe(Effect.map((error) => error.message))

// The names and texts of a zip's entries, through the central directory.
const unzip = (base64: string): Record<string, string> => {
  const archive = Buffer.from(base64, "base64")
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  let at = archive.readUInt32LE(end + 16)
  const files: Record<string, string> = {}
  for (let i = 0; i < archive.readUInt16LE(end + 10); i++) {
    const nameLength = archive.readUInt16LE(at + 28)
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString()
    const local = archive.readUInt32LE(at + 42)
    const start = local + 30 + archive.readUInt16LE(local + 26)
    const body = archive.subarray(start, start + archive.readUInt32LE(at + 20))
    files[name] = (archive.readUInt16LE(at + 10) === 8 ? zlib.inflateRawSync(body) : body).toString()
    at += 46 + nameLength
  }
  return files
}

describe("loading an action", () => {
  it.scoped("sends a .js file as source text named after the file", () =>
    inTempDir((dir, fs, path) =>
      Effect.gen(function*() {
        const file = path.join(dir, "greet.js")
        yield* fs.writeFileString(file, "function main() { return {} }")
        const source = yield* ActionSource.load(file)
        assert.deepStrictEqual(source, { name: "greet", code: "function main() { return {} }", binary: false, kind: "source", location: file })
      })
    ))

  it.scoped("zips a folder, with its subfolders, and sends it base64 as binary", () =>
    inTempDir((dir, fs, path) =>
      Effect.gen(function*() {
        const folder = path.join(dir, "my-action")
        yield* fs.makeDirectory(path.join(folder, "lib"), { recursive: true })
        yield* fs.writeFileString(path.join(folder, "package.json"), '{"main":"index.js"}')
        yield* fs.writeFileString(path.join(folder, "index.js"), "exports.main = require('./lib/answer.js')")
        yield* fs.writeFileString(path.join(folder, "lib", "answer.js"), "module.exports = () => ({ answer: 42 })")
        const source = yield* ActionSource.load(folder)
        assert.strictEqual(source.name, "my-action")
        assert.isTrue(source.binary)
        assert.strictEqual(source.kind, "folder")
        assert.deepStrictEqual(unzip(source.code), {
          "index.js": "exports.main = require('./lib/answer.js')",
          "lib/": "",
          "lib/answer.js": "module.exports = () => ({ answer: 42 })",
          "package.json": '{"main":"index.js"}'
        })
      })
    ))

  it.scoped("sends a .zip as it is, base64", () =>
    inTempDir((dir, fs, path) =>
      Effect.gen(function*() {
        const folder = path.join(dir, "src")
        yield* fs.makeDirectory(folder)
        yield* fs.writeFileString(path.join(folder, "index.js"), "exports.main = () => ({})")
        const zipped = yield* ActionSource.load(folder)
        const file = path.join(dir, "bundle.zip")
        yield* fs.writeFile(file, Buffer.from(zipped.code, "base64"))
        const source = yield* ActionSource.load(file)
        assert.deepStrictEqual(source, { name: "bundle", code: zipped.code, binary: true, kind: "zip", location: file })
      })
    ))

  it.scoped("says what to change when the action cannot be used", () =>
    inTempDir((dir, fs, path) =>
      Effect.gen(function*() {
        assert.include(
          yield* failureMessage(path.join(dir, "missing.js")),
          "missing.js: no such file or directory. Give a .js file, a folder or a .zip archive."
        )
        const fake = path.join(dir, "fake.zip")
        yield* fs.writeFileString(fake, "not a zip")
        assert.include(yield* failureMessage(fake), "is not a zip archive")
        const empty = path.join(dir, "empty.js")
        yield* fs.writeFileString(empty, "  \n")
        assert.include(yield* failureMessage(empty), "is empty")
        const bare = path.join(dir, "bare")
        yield* fs.makeDirectory(bare)
        yield* fs.writeFileString(path.join(bare, "main.js"), "x")
        assert.include(yield* failureMessage(bare), "has neither package.json nor index.js at its root")
      })
    ))
})
