import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { allSteps } from "./internal/image/allSteps.js"
import type { RootfsEntry } from "./internal/image/buildContext.js"
import { hostLayer, inputsHash, serverLayer, writeRootfs } from "./internal/image/buildContext.js"
import { runCommand } from "./internal/image/command.js"
import { ensureStaticBusybox, findNodeBinary, nodeVersion, sharedLibraries } from "./internal/image/hostFiles.js"
import { RuntimeImageBuildError } from "./internal/image/imageError.js"

/**
 * Builds the runtime image locally, FROM scratch: the host's node binary with the libraries `ldd` lists, a static
 * busybox (sh, unzip, tar, ...), /tmp, and the compiled server in /nodejsAction/server. Plain async functions (no
 * Effect) so the CLI can wrap them; they shell out to the `docker` CLI.
 */

export { RuntimeImageBuildError } from "./internal/image/imageError.js"
export type { RuntimeImageBuildErrorReason } from "./internal/image/imageError.js"

// src/ImageBuild.ts and dist/ImageBuild.js both sit one level below the package root.
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..")

const packageVersion = (): string =>
  (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version

export const imageRepository = "effect-whisk/runtime-nodejs"
export const imageVersion: string = packageVersion()
/** The image the runtime is built as, e.g. "effect-whisk/runtime-nodejs:0.1.0". */
export const imageTag = `${imageRepository}:${imageVersion}`

/** The image label holding the digest of the image's inputs; an equal digest means the image is current. */
export const inputsHashLabel = "effect-whisk.inputs-hash"

/** Bump when the recipe changes in a way the Dockerfile text and file list do not show. */
const recipeVersion = "1"

export const defaultServerDir = join(packageRoot, "dist")

const inspectTimeoutMs = 30_000
const buildTimeoutMs = 600_000

export interface EnsureRuntimeImageOptions {
  /** Docker build output and other progress, line by line. */
  readonly onProgress?: (line: string) => void
  /** The compiled package (`tsc` output) holding serverMain.js; default: the package's dist/. */
  readonly serverDir?: string
  /** Build even when the image is current. */
  readonly force?: boolean
  /** The docker CLI; default "docker". */
  readonly docker?: string
  /** Aborting kills the running docker/ldd/apt-get process and rejects. */
  readonly signal?: AbortSignal
  /**
   * Reads `label` of the existing `image` (undefined when there is no such image), e.g. over the engine's API, which
   * answers in a few milliseconds where starting the docker CLI takes tens; aborted by `signal` (the caller's, or
   * after 30 s). Default: `docker image inspect`.
   */
  readonly labelOf?: (image: string, label: string, signal: AbortSignal) => Promise<string | undefined>
}

export interface RuntimeImage {
  readonly image: string
  /** false: the existing image already had these inputs and nothing was done. */
  readonly built: boolean
  readonly inputsHash: string
}

const dockerfile = (hash: string) =>
  [
    "FROM scratch",
    // Two layers, so a server change does not add another 100 MB copy of node.
    "COPY host/ /",
    "COPY server/ /",
    "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "WORKDIR /nodejsAction",
    `LABEL ${inputsHashLabel}="${hash}"`,
    // Exec form: node is PID 1 and handles SIGTERM itself.
    'CMD ["node", "server"]',
    ""
  ].join("\n")

const dockerUnavailable = (docker: string, cause: unknown): RuntimeImageBuildError => {
  if (cause instanceof RuntimeImageBuildError) return cause
  return new RuntimeImageBuildError(
    "DockerUnavailable",
    `Could not run ${docker} to build ${imageTag}: ${String(cause)}. Is the docker CLI installed?`,
    { cause }
  )
}

/** The inputs-hash label of the existing image, or undefined when there is no such image. */
const existingInputsHash = async (docker: string, signal?: AbortSignal): Promise<string | undefined> => {
  const format = `{{ index .Config.Labels "${inputsHashLabel}" }}`
  const result = await runCommand(docker, ["image", "inspect", "--format", format, imageTag], {
    timeoutMs: inspectTimeoutMs,
    signal
  }).catch((cause) => Promise.reject(dockerUnavailable(docker, cause)))
  if (result.exitCode === 0) return result.stdout.trim()
  if (/no such image/i.test(result.stderr)) return undefined
  throw new RuntimeImageBuildError(
    "DockerUnavailable",
    `docker image inspect ${imageTag} failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`
  )
}

const abortedBy = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true })
  })

/** The inputs-hash label through `labelOf`, within the inspect timeout; its failures are DockerUnavailable. */
const labelWithin = async (labelOf: NonNullable<EnsureRuntimeImageOptions["labelOf"]>, signal: AbortSignal) => {
  const controller = new AbortController()
  const abort = () => controller.abort()
  if (signal.aborted) abort()
  else signal.addEventListener("abort", abort, { once: true })
  const timer = setTimeout(abort, inspectTimeoutMs)
  try {
    // Raced with the abort: a reader that ignores its signal cannot hold the check past the timeout.
    return await Promise.race([labelOf(imageTag, inputsHashLabel, controller.signal), abortedBy(controller.signal)])
  } catch (cause) {
    if (signal.aborted) {
      throw new RuntimeImageBuildError("Interrupted", `The inspect of ${imageTag} was interrupted`, { cause })
    }
    throw new RuntimeImageBuildError(
      "DockerUnavailable",
      controller.signal.aborted
        ? `The engine did not answer the inspect of ${imageTag} within ${inspectTimeoutMs} ms: is it running?`
        : `Could not inspect ${imageTag} on the engine: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause }
    )
  } finally {
    clearTimeout(timer)
    signal.removeEventListener("abort", abort)
  }
}

const requireCompiledServer = (serverDir: string) => {
  if (!existsSync(join(serverDir, "serverMain.js"))) {
    throw new RuntimeImageBuildError(
      "ServerNotCompiled",
      `The compiled runtime server is missing (${join(serverDir, "serverMain.js")}): ` +
        "run `npx tsc -b packages/runtime-nodejs` first."
    )
  }
}

const lastLines = (text: string, count: number) => text.trim().split("\n").slice(-count).join("\n")

const dockerBuild = async (docker: string, context: string, options: EnsureRuntimeImageOptions) => {
  const result = await runCommand(docker, ["build", "--force-rm", "--tag", imageTag, context], {
    timeoutMs: buildTimeoutMs,
    signal: options.signal,
    onLine: options.onProgress
  }).catch((cause) => Promise.reject(dockerUnavailable(docker, cause)))
  if (result.exitCode !== 0) {
    const why = result.timedOut ? `timed out after ${buildTimeoutMs} ms` : `exit code ${result.exitCode}`
    throw new RuntimeImageBuildError(
      "BuildFailed",
      `docker build of ${imageTag} failed (${why}):\n${lastLines(result.stdout + result.stderr, 20)}`
    )
  }
}

interface Layers {
  readonly host: ReadonlyArray<RootfsEntry>
  readonly server: ReadonlyArray<RootfsEntry>
}

const buildImage = async (docker: string, layers: Layers, hash: string, options: EnsureRuntimeImageOptions) => {
  const context = await mkdtemp(join(tmpdir(), "effect-whisk-runtime-image-"))
  try {
    await writeRootfs(join(context, "host"), layers.host)
    await writeRootfs(join(context, "server"), layers.server)
    await writeFile(join(context, "Dockerfile"), dockerfile(hash))
    await dockerBuild(docker, context, options)
  } finally {
    await rm(context, { recursive: true, force: true })
  }
}

const ensure = async (options: EnsureRuntimeImageOptions): Promise<RuntimeImage> => {
  const docker = options.docker ?? "docker"
  const serverDir = options.serverDir ?? defaultServerDir
  requireCompiledServer(serverDir)
  const node = await findNodeBinary()
  // Independent of each other, so at once: this check is on the path of every `invoke`. The engine's answer comes
  // first when its request goes out before the processes are started.
  const [existing, busybox, libraries, version, server] = await allSteps(options.signal, [
    (signal) =>
      options.force
        ? Promise.resolve(undefined)
        : options.labelOf === undefined
        ? existingInputsHash(docker, signal)
        : labelWithin(options.labelOf, signal),
    (signal) => ensureStaticBusybox(options.onProgress, signal),
    (signal) => sharedLibraries(node, signal),
    (signal) => nodeVersion(node, signal),
    () => serverLayer(serverDir)
  ])
  const layers: Layers = { host: await hostLayer({ node, libraries, busybox }), server }
  const hash = await inputsHash([...layers.host, ...layers.server], [recipeVersion, imageTag, version, dockerfile("")])
  if (!options.force && existing === hash) {
    return { image: imageTag, built: false, inputsHash: hash }
  }
  options.onProgress?.(`building ${imageTag} from ${node} (${serverDir})`)
  await buildImage(docker, layers, hash, options)
  return { image: imageTag, built: true, inputsHash: hash }
}

const asBuildError = (cause: unknown): RuntimeImageBuildError =>
  cause instanceof RuntimeImageBuildError
    ? cause
    : new RuntimeImageBuildError("BuildFailed", `Building ${imageTag} failed: ${String(cause)}`, { cause })

/**
 * Builds `imageTag` unless the existing image was built from the same inputs. Rejects only with a
 * RuntimeImageBuildError.
 */
export const ensureRuntimeImage = (options: EnsureRuntimeImageOptions = {}): Promise<RuntimeImage> =>
  ensure(options).catch((cause: unknown) => Promise.reject(asBuildError(cause)))
