import * as zlib from "node:zlib"

/** One file or folder inside a zip archive; `name` uses `/` and folders end with `/`. */
export interface ZipEntry {
  readonly name: string
  readonly data: Uint8Array
  /** Unix permission bits, kept so that executables stay executable after unzip. */
  readonly mode: number
}

const crcTable = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

const crc32Fallback = (data: Uint8Array): number => {
  let crc = 0xffffffff
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

// zlib.crc32 exists from Node 20.15; the table is for older 20.x releases.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

/** The CRC-32 a zip archive stores for each entry. */
export const crc32 = (data: Uint8Array): number => nativeCrc32 === undefined ? crc32Fallback(data) : nativeCrc32(data) >>> 0

const stored = 0
const deflated = 8
const utf8Names = 0x0800
const versionNeeded = 20
const madeByUnix = (3 << 8) | versionNeeded
// 1980-01-01 00:00, the earliest DOS date: the same folder always gives the same archive.
const dosDate = (0 << 9) | (1 << 5) | 1
const dosTime = 0
const maxEntries = 0xffff
const maxOffset = 0xffffffff

/** The archive would need zip64, which this writer (and busybox unzip) does not do. */
export class ZipTooLarge extends Error {
  constructor(readonly reason: string) {
    super(`The archive is too large for a zip without zip64: ${reason}`)
  }
}

interface Packed {
  readonly name: Uint8Array
  readonly method: number
  readonly crc: number
  readonly size: number
  readonly body: Uint8Array
  readonly externalAttributes: number
  readonly offset: number
}

const localHeader = (entry: Packed): Buffer => {
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(versionNeeded, 4)
  header.writeUInt16LE(utf8Names, 6)
  header.writeUInt16LE(entry.method, 8)
  header.writeUInt16LE(dosTime, 10)
  header.writeUInt16LE(dosDate, 12)
  header.writeUInt32LE(entry.crc, 14)
  header.writeUInt32LE(entry.body.length, 18)
  header.writeUInt32LE(entry.size, 22)
  header.writeUInt16LE(entry.name.length, 26)
  header.writeUInt16LE(0, 28)
  return header
}

const centralHeader = (entry: Packed): Buffer => {
  const header = Buffer.alloc(46)
  header.writeUInt32LE(0x02014b50, 0)
  header.writeUInt16LE(madeByUnix, 4)
  header.writeUInt16LE(versionNeeded, 6)
  header.writeUInt16LE(utf8Names, 8)
  header.writeUInt16LE(entry.method, 10)
  header.writeUInt16LE(dosTime, 12)
  header.writeUInt16LE(dosDate, 14)
  header.writeUInt32LE(entry.crc, 16)
  header.writeUInt32LE(entry.body.length, 20)
  header.writeUInt32LE(entry.size, 24)
  header.writeUInt16LE(entry.name.length, 28)
  header.writeUInt32LE(entry.externalAttributes, 38)
  header.writeUInt32LE(entry.offset, 42)
  return header
}

const endOfCentralDirectory = (count: number, size: number, offset: number): Buffer => {
  const record = Buffer.alloc(22)
  record.writeUInt32LE(0x06054b50, 0)
  record.writeUInt16LE(count, 8)
  record.writeUInt16LE(count, 10)
  record.writeUInt32LE(size, 12)
  record.writeUInt32LE(offset, 16)
  return record
}

const isDirectory = (entry: ZipEntry) => entry.name.endsWith("/")

/**
 * Writes a zip archive: each file deflated, or stored when deflating does not make it smaller. Throws ZipTooLarge
 * past 65,535 entries or 4 GiB.
 */
export const writeZip = (entries: ReadonlyArray<ZipEntry>): Uint8Array => {
  if (entries.length > maxEntries) throw new ZipTooLarge(`${entries.length} entries (at most ${maxEntries})`)
  const parts: Array<Uint8Array> = []
  const packed: Array<Packed> = []
  let offset = 0
  for (const entry of entries) {
    const compressed = isDirectory(entry) ? entry.data : zlib.deflateRawSync(entry.data)
    const useDeflate = compressed.length < entry.data.length
    const fileType = isDirectory(entry) ? 0o040000 : 0o100000
    const item: Packed = {
      name: Buffer.from(entry.name, "utf8"),
      method: useDeflate ? deflated : stored,
      crc: crc32(entry.data),
      size: entry.data.length,
      body: useDeflate ? compressed : entry.data,
      // Unix mode in the high 16 bits; bit 4 is the MS-DOS directory flag.
      externalAttributes: (((fileType | (entry.mode & 0o7777)) << 16) | (isDirectory(entry) ? 0x10 : 0)) >>> 0,
      offset
    }
    const header = localHeader(item)
    parts.push(header, item.name, item.body)
    offset += header.length + item.name.length + item.body.length
    if (offset > maxOffset) throw new ZipTooLarge("more than 4 GiB of entries")
    packed.push(item)
  }
  const centralStart = offset
  for (const item of packed) {
    const header = centralHeader(item)
    parts.push(header, item.name)
    offset += header.length + item.name.length
  }
  if (offset > maxOffset) throw new ZipTooLarge("the central directory ends past 4 GiB")
  parts.push(endOfCentralDirectory(packed.length, offset - centralStart, centralStart))
  return Buffer.concat(parts)
}

/** A zip archive starts with a local file header (or is an empty archive). */
export const looksLikeZip = (bytes: Uint8Array): boolean =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
  ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06))
