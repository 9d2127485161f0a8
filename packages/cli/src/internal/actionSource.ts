import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { UsageError } from "./usageError.js"
import { looksLikeZip, writeZip, type ZipEntry, ZipTooLarge } from "./zipArchive.js"

/** The code part of an /init payload, and where it came from. */
export interface ActionSource {
  /** The action's name: the file or folder name without its extension. */
  readonly name: string
  /** Source text, or a base64 zip archive when `binary`. */
  readonly code: string
  readonly binary: boolean
  readonly kind: "source" | "folder" | "zip"
  /** The path the command line gave. */
  readonly location: string
}

const why = (error: PlatformError): string =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? "no such file or directory"
    : error._tag === "SystemError" && error.reason === "PermissionDenied"
    ? "permission denied"
    : error.message

const cannotRead = (path: string) => (error: PlatformError) =>
  new UsageError({
    message: `Cannot read the action ${path}: ${why(error)}. Give a .js file, a folder or a .zip archive.`
  })

const actionName = (path: Path.Path, location: string): string => {
  const base = path.basename(path.resolve(location))
  const extension = path.extname(base)
  return extension.length > 0 && extension.length < base.length ? base.slice(0, -extension.length) : base
}

const loadZip = (fs: FileSystem.FileSystem, location: string) =>
  Effect.gen(function*() {
    const bytes = yield* fs.readFile(location).pipe(Effect.mapError(cannotRead(location)))
    if (!looksLikeZip(bytes)) {
      return yield* new UsageError({
        message: `${location} is not a zip archive (it does not start with PK\\x03\\x04). Give a real .zip, or the folder to zip.`
      })
    }
    return Buffer.from(bytes).toString("base64")
  })

// The runtime finds the action through package.json or index.js at the archive root.
const entryFiles = ["package.json", "index.js"]

const zipFolder = (fs: FileSystem.FileSystem, path: Path.Path, folder: string) =>
  Effect.gen(function*() {
    const names = (yield* fs.readDirectory(folder, { recursive: true }).pipe(Effect.mapError(cannotRead(folder))))
      .map((name) => name.split(path.sep).join("/"))
      .sort()
    if (!names.some((name) => entryFiles.includes(name))) {
      return yield* new UsageError({
        message: `The folder ${folder} has neither package.json nor index.js at its root; add one so the runtime can find the action.`
      })
    }
    const entries: Array<ZipEntry> = []
    for (const name of names) {
      const file = path.join(folder, ...name.split("/"))
      const info = yield* fs.stat(file).pipe(Effect.mapError(cannotRead(file)))
      if (info.type === "Directory") {
        entries.push({ name: `${name}/`, data: new Uint8Array(0), mode: info.mode })
      } else if (info.type === "File") {
        const data = yield* fs.readFile(file).pipe(Effect.mapError(cannotRead(file)))
        entries.push({ name, data, mode: info.mode })
      }
    }
    const archive = yield* Effect.try({
      try: () => writeZip(entries),
      catch: (error) =>
        new UsageError({
          message: `Cannot zip the folder ${folder}: ${
            error instanceof ZipTooLarge ? error.message : String(error)
          }. Zip it yourself and give the .zip.`
        })
    })
    return Buffer.from(archive).toString("base64")
  })

/**
 * Reads an action: a folder is zipped and a `.zip` taken as it is (both sent base64 with `binary: true`); any other
 * file is source text.
 */
export const load = (location: string): Effect.Effect<ActionSource, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(location).pipe(Effect.mapError(cannotRead(location)))
    const name = actionName(path, location)
    if (info.type === "Directory") {
      return { name, code: yield* zipFolder(fs, path, location), binary: true, kind: "folder", location } as const
    }
    if (info.type !== "File") {
      return yield* new UsageError({ message: `${location} is neither a file nor a folder. Give a .js file, a folder or a .zip archive.` })
    }
    if (path.extname(location).toLowerCase() === ".zip") {
      return { name, code: yield* loadZip(fs, location), binary: true, kind: "zip", location } as const
    }
    const code = yield* fs.readFileString(location).pipe(Effect.mapError(cannotRead(location)))
    if (code.trim().length === 0) {
      return yield* new UsageError({ message: `The action ${location} is empty. Give a file with a main function.` })
    }
    return { name, code, binary: false, kind: "source", location } as const
  })
