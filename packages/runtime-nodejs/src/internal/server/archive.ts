import { execFile } from "node:child_process"
import { mkdtemp, writeFile } from "node:fs/promises"
import { join, resolve, sep } from "node:path"

export type ArchiveKind = "zip" | "tar.gz"

// The texts upstream rejects with (as bare strings, so the 502 carries no stack).
export const archiveMessages = {
  unsupported: "There was an error uncompressing the action archive. The file type is unsupported",
  unreadable: "There was an error reading the action archive.",
  uncompressFailed: "There was an error uncompressing the action archive."
} as const

const extractTimeoutMs = 120_000

/** Upstream's magic-number check on the decoded base64: zip, or gzip with/without the FNAME flag. */
export const detectArchiveKind = (base64: string): ArchiveKind | undefined => {
  const magic = Buffer.from(base64, "base64").toString("hex", 0, 4)
  if (magic === "504b0304") return "zip"
  if (magic === "1f8b0808" || magic === "1f8b0800") return "tar.gz"
  return undefined
}

const run = (file: string, args: ReadonlyArray<string>): Promise<void> =>
  new Promise((done, fail) => {
    execFile(file, args, { timeout: extractTimeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error) =>
      error ? fail(error) : done()
    )
  })

// Like upstream's `mktemp -d XXXXXXXX`: a fresh directory under the current working directory.
const makeTempDir = () => mkdtemp(process.cwd() + sep)

const extractCommand = (kind: ArchiveKind, archive: string, into: string): [string, Array<string>] =>
  kind === "zip" ? ["unzip", ["-qq", archive, "-d", into]] : ["tar", ["-xzf", archive, "-C", into]]

/**
 * Writes the archive into one temp directory and extracts it with the `unzip` / `tar` of the PATH (busybox in the
 * image) into another; answers the absolute extraction directory. Rejects with upstream's message strings.
 */
export const extractArchive = async (base64: string, kind: ArchiveKind): Promise<string> => {
  const archive = join(await makeTempDir(), `action.${kind}`)
  await writeFile(archive, base64, "base64").catch(() => Promise.reject(archiveMessages.unreadable))
  const target = await makeTempDir()
  const [command, args] = extractCommand(kind, archive, target)
  await run(command, args).catch(() => Promise.reject(archiveMessages.uncompressFailed))
  return resolve(target)
}
