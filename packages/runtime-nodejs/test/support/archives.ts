import { execFile } from "node:child_process"
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { crc32 } from "node:zlib"

/** Action archives for /init with binary:true, as base64. */

export type ArchiveFiles = Readonly<Record<string, string>>

const u16 = (value: number) => {
  const buffer = Buffer.alloc(2)
  buffer.writeUInt16LE(value)
  return buffer
}
const u32 = (value: number) => {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32LE(value >>> 0)
  return buffer
}

/** A minimal zip (stored, no compression): local headers, central directory, end record. */
export const zipBase64 = (files: ArchiveFiles): string => {
  const locals: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  let offset = 0
  for (const [name, content] of Object.entries(files)) {
    const nameBytes = Buffer.from(name)
    const data = Buffer.from(content)
    const crc = crc32(data)
    // version, flags, method 0, time, date, crc, sizes, name length, extra length
    const common = [u16(0), u16(0), u16(0), u16(0), u32(crc), u32(data.length), u32(data.length), u16(nameBytes.length), u16(0)]
    const local = Buffer.concat([u32(0x04034b50), u16(20), ...common, nameBytes, data])
    centrals.push(
      Buffer.concat([u32(0x02014b50), u16(20), u16(20), ...common, u16(0), u16(0), u16(0), u32(0), u32(offset), nameBytes])
    )
    locals.push(local)
    offset += local.length
  }
  const central = Buffer.concat(centrals)
  const count = centrals.length
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(central.length), u32(offset), u16(0)])
  return Buffer.concat([...locals, central, end]).toString("base64")
}

/** A tar.gz made by the host's `tar`. */
export const tarGzBase64 = async (files: ArchiveFiles): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "runtime-nodejs-tgz-"))
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, "src", name)), { recursive: true })
      await writeFile(join(dir, "src", name), content)
    }
    const archive = join(dir, "action.tar.gz")
    await new Promise<void>((resolve, reject) =>
      execFile("tar", ["-czf", archive, "-C", join(dir, "src"), "."], { timeout: 30_000 }, (error) =>
        error ? reject(error) : resolve()
      )
    )
    return (await readFile(archive)).toString("base64")
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
