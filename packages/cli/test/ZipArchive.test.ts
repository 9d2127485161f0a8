import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as zlib from "node:zlib"
import { crc32, looksLikeZip, writeZip } from "../src/internal/zipArchive.js"
import { requireDocker } from "./support/required.js"

interface ReadEntry {
  readonly name: string
  readonly method: number
  readonly data: Buffer
  readonly mode: number
}

// An independent reader: walks the central directory, as unzip does, and checks each entry's CRC.
const readZip = (archive: Buffer): Array<ReadEntry> => {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  const count = archive.readUInt16LE(end + 10)
  let at = archive.readUInt32LE(end + 16)
  const entries: Array<ReadEntry> = []
  for (let i = 0; i < count; i++) {
    assert.strictEqual(archive.readUInt32LE(at), 0x02014b50)
    const method = archive.readUInt16LE(at + 10)
    const crc = archive.readUInt32LE(at + 16)
    const compressedSize = archive.readUInt32LE(at + 20)
    const nameLength = archive.readUInt16LE(at + 28)
    const mode = archive.readUInt32LE(at + 38) >>> 16
    const local = archive.readUInt32LE(at + 42)
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString("utf8")
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28)
    const body = archive.subarray(start, start + compressedSize)
    const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body)
    assert.strictEqual(crc32(data), crc, `CRC of ${name}`)
    entries.push({ name, method, data, mode })
    at += 46 + nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32)
  }
  return entries
}

const runs = (file: string, args: ReadonlyArray<string>) => {
  try {
    execFileSync(file, args, { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

// The runtime image extracts archives with busybox's unzip; Info-ZIP's unzip is the reference.
const unzippers = [
  { name: "unzip", command: ["unzip"], present: runs("unzip", ["-v"]) },
  { name: "busybox unzip", command: ["busybox", "unzip"], present: runs("busybox", ["unzip", "--help"]) }
]

const entries = [
  { name: "lib/", data: new Uint8Array(0), mode: 0o755 },
  { name: "index.js", data: Buffer.from("exports.main = () => ({ ok: true })\n".repeat(20)), mode: 0o644 },
  { name: "lib/run.sh", data: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
  { name: "lib/ünïcode.txt", data: Buffer.from("x"), mode: 0o600 }
]

describe("zip archives", () => {
  it("computes the standard CRC-32", () => {
    assert.strictEqual(crc32(Buffer.from("123456789")), 0xcbf43926)
    assert.strictEqual(crc32(new Uint8Array(0)), 0)
  })

  it("writes entries that read back with their names, bytes and modes", () => {
    const archive = Buffer.from(writeZip(entries))
    assert.isTrue(looksLikeZip(archive))
    const read = readZip(archive)
    assert.deepStrictEqual(read.map((entry) => entry.name), entries.map((entry) => entry.name))
    read.forEach((entry, i) => {
      assert.deepStrictEqual(new Uint8Array(entry.data), new Uint8Array(entries[i]!.data))
      assert.strictEqual(entry.mode & 0o7777, entries[i]!.mode)
    })
  })

  it("deflates what compresses and stores what does not", () => {
    const archive = Buffer.from(writeZip(entries))
    assert.isBelow(archive.length, entries.reduce((sum, entry) => sum + entry.data.length, 0))
    const methods = Object.fromEntries(readZip(archive).map((entry) => [entry.name, entry.method]))
    assert.strictEqual(methods["index.js"], 8)
    assert.strictEqual(methods["lib/ünïcode.txt"], 0)
  })

  it("writes the same bytes for the same entries", () => {
    assert.deepStrictEqual(writeZip(entries), writeZip(entries))
  })

  it("writes an empty archive", () => {
    const archive = Buffer.from(writeZip([]))
    assert.isTrue(looksLikeZip(archive))
    assert.deepStrictEqual(readZip(archive), [])
  })

  for (const { command, name, present } of unzippers) {
    // Never skipped under CI or scripts/test.sh (requireDocker): ensure-engine.sh installs both, a missing one fails.
    // The reader above checks the same structure wherever this one is skipped.
    it.skipIf(!present && !requireDocker)(`is extracted by ${name} with folders and permissions`, () => { // Skip reason: this unzip is not installed on this developer machine
      const dir = mkdtempSync(join(tmpdir(), "effect-whisk-zip-"))
      try {
        writeFileSync(join(dir, "action.zip"), writeZip(entries))
        execFileSync(command[0]!, [...command.slice(1), "-q", "action.zip", "-d", "out"], { cwd: dir })
        assert.strictEqual(readFileSync(join(dir, "out", "lib", "run.sh"), "utf8"), "#!/bin/sh\necho hi\n")
        assert.strictEqual(statSync(join(dir, "out", "lib", "run.sh")).mode & 0o777, 0o755)
        assert.strictEqual(readFileSync(join(dir, "out", "index.js"), "utf8"), String(entries[1]!.data))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})
