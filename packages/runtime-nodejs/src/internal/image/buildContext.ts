import { createHash } from "node:crypto"
import { chmod, copyFile, mkdir, readdir, readFile, realpath, stat, symlink, writeFile } from "node:fs/promises"
import { dirname, join, posix, relative } from "node:path"

/** One thing in the image's root filesystem; `path` is absolute inside the image. */
export type RootfsEntry =
  | { readonly _tag: "HostFile"; readonly path: string; readonly source: string; readonly mode: number }
  | { readonly _tag: "Content"; readonly path: string; readonly content: string | Buffer; readonly mode: number }
  | { readonly _tag: "Symlink"; readonly path: string; readonly target: string }
  | { readonly _tag: "Directory"; readonly path: string; readonly mode: number }

export const serverDirInImage = "/nodejsAction/server"

// Busybox applets linked into /bin: what upstream's archive handling, a shell and debugging need.
const busyboxApplets = [
  "sh", "ash", "unzip", "tar", "gzip", "gunzip", "zcat", "mktemp", "ls", "cat", "cp", "mv", "rm", "mkdir",
  "rmdir", "ln", "chmod", "chown", "env", "echo", "printf", "ps", "kill", "sleep", "wc", "head", "tail", "grep",
  "sed", "awk", "find", "xargs", "id", "pwd", "touch", "true", "false", "test", "[", "date", "du", "df", "uname",
  "hostname", "which", "sort", "uniq", "cut", "tr", "basename", "dirname", "readlink", "realpath", "stat", "tee",
  "nproc", "free", "top", "wget", "nc"
]

/** The compiled server modules the image needs (relative to the compiled package root, e.g. dist/). */
export const serverModules = async (serverDir: string): Promise<Array<string>> => {
  const internal = join("internal", "server")
  const helpers = (await readdir(join(serverDir, internal))).filter((name) => name.endsWith(".js"))
  return ["serverMain.js", "Server.js", ...helpers.sort().map((name) => join(internal, name))]
}

// The server is ESM; its package.json scopes "type": "module" to server/ so that extracted action archives
// under /nodejsAction stay CommonJS as upstream expects. It also lets `node server` find the entry point.
const serverPackageJson = JSON.stringify({ private: true, type: "module", main: "serverMain.js" }, null, 2) + "\n"

export interface HostInputs {
  readonly node: string
  readonly libraries: ReadonlyArray<string>
  readonly busybox: string
}

/** The big, rarely changing layer: node, its libraries, busybox and /tmp. */
export const hostLayer = async (inputs: HostInputs): Promise<Array<RootfsEntry>> => {
  const libraries = await Promise.all(
    inputs.libraries.map(async (path): Promise<RootfsEntry> => ({
      _tag: "HostFile",
      path,
      source: await realpath(path),
      mode: 0o755
    }))
  )
  return [
    { _tag: "Directory", path: "/tmp", mode: 0o1777 },
    { _tag: "HostFile", path: "/usr/local/bin/node", source: inputs.node, mode: 0o755 },
    ...libraries,
    { _tag: "HostFile", path: "/bin/busybox", source: inputs.busybox, mode: 0o755 },
    ...busyboxApplets.map((applet): RootfsEntry => ({ _tag: "Symlink", path: `/bin/${applet}`, target: "busybox" }))
  ]
}

/** The small layer that changes with the server code. */
export const serverLayer = async (serverDir: string): Promise<Array<RootfsEntry>> => {
  const modules = await serverModules(serverDir)
  const server = await Promise.all(
    modules.map(async (module): Promise<RootfsEntry> => ({
      _tag: "Content",
      path: posix.join(serverDirInImage, ...module.split(/[\\/]/)),
      content: await readFile(join(serverDir, module)),
      mode: 0o644
    }))
  )
  return [
    { _tag: "Content", path: posix.join(serverDirInImage, "package.json"), content: serverPackageJson, mode: 0o644 },
    ...server
  ]
}

/**
 * A digest of everything the image is made of: our files by content, host files (node, libraries, busybox) by
 * path, size and mtime, which change whenever a package upgrade replaces them, without reading 100 MB each time.
 */
export const inputsHash = async (entries: ReadonlyArray<RootfsEntry>, extra: ReadonlyArray<string>) => {
  const hash = createHash("sha256")
  extra.forEach((item) => hash.update(`${item}\n`))
  for (const entry of entries) {
    switch (entry._tag) {
      case "HostFile": {
        const info = await stat(entry.source)
        hash.update(`file ${entry.path} ${entry.source} ${info.size} ${info.mtimeMs} ${entry.mode}\n`)
        break
      }
      case "Content":
        hash.update(`content ${entry.path} ${entry.mode} `).update(entry.content).update("\n")
        break
      case "Symlink":
        hash.update(`symlink ${entry.path} ${entry.target}\n`)
        break
      case "Directory":
        hash.update(`dir ${entry.path} ${entry.mode}\n`)
        break
    }
  }
  return hash.digest("hex")
}

const inside = (root: string, imagePath: string) => join(root, relative("/", imagePath))

/** Materialises the entries under `root` (the `rootfs/` of the build context). */
export const writeRootfs = async (root: string, entries: ReadonlyArray<RootfsEntry>): Promise<void> => {
  for (const entry of entries) {
    const target = inside(root, entry.path)
    await mkdir(entry._tag === "Directory" ? target : dirname(target), { recursive: true })
    switch (entry._tag) {
      case "HostFile":
        await copyFile(entry.source, target)
        await chmod(target, entry.mode)
        break
      case "Content":
        await writeFile(target, entry.content)
        await chmod(target, entry.mode)
        break
      case "Symlink":
        await symlink(entry.target, target)
        break
      case "Directory":
        await chmod(target, entry.mode)
        break
    }
  }
}
