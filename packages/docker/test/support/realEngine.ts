// What the real-engine tests share: whether an engine answers (under CI, or when scripts/test.sh brought it up, a
// missing engine fails the tests instead of skipping them), which engine it is (DOCKER_HOST may name Podman's
// Docker-compatible service) with what each shows differently, the small FROM-scratch images they run, and runc's
// path and state root.
// First: it points DOCKER_HOST at the engine under test before anything makes a client.
import "./testEngine.js"
import { ContainerSpec, type DockerEngine, FreezerConfig } from "@effect-whisk/core"
import Docker from "dockerode"
import { execFileSync } from "node:child_process"
import { accessSync, constants, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"

export const requireDocker = process.env.CI === "true" ||
  !["", "0", undefined].includes(process.env.EFFECT_WHISK_REQUIRE_DOCKER)

const ping = async (): Promise<boolean> => {
  try {
    await new Docker({ timeout: 10_000 }).ping()
    return true
  } catch {
    return false
  }
}

export const engineAnswers = await ping()

export { isLocalDocker, testEngine } from "./testEngine.js"

const askFlavor = async (): Promise<DockerEngine.EngineFlavor> => {
  try {
    const version = await new Docker({ timeout: 10_000 }).version() as { Components?: Array<{ Name?: string }> }
    return (version.Components ?? []).some((component) => /podman/i.test(component.Name ?? "")) ? "podman" : "docker"
  } catch {
    return "docker"
  }
}

/** Which engine DOCKER_HOST names: the suites run against Docker and against Podman's Docker-compatible service. */
export const engineFlavor: DockerEngine.EngineFlavor = engineAnswers ? await askFlavor() : "docker"
export const onPodman = engineFlavor === "podman"

/** Where runc keeps the state of this engine's containers (Podman's runc is not under Docker's root). */
export const runcRoot = onPodman ? FreezerConfig.podmanRuncRoot : FreezerConfig.defaults.runc.root

/** A `docker ps --filter` for names starting with the prefix: Docker's names start with "/", Podman's do not. */
export const namePrefixFilter = (prefix: string) => `name=^/?${prefix}`

/**
 * The create's ulimits as this engine's inspect shows them: Podman's creates carry nproc as well, and Podman names
 * each limit as the kernel does (RLIMIT_NOFILE).
 */
export const engineUlimits = (
  ulimits: ReadonlyArray<{ readonly Name: string; readonly Soft: number; readonly Hard: number }>
): Array<{ Name: string; Soft: number; Hard: number }> => {
  if (!onPodman) return ulimits.map((ulimit) => ({ ...ulimit }))
  const sent = ulimits.some((ulimit) => ulimit.Name === "nproc")
    ? ulimits
    : [...ulimits, { Name: "nproc", Soft: ContainerSpec.podmanNproc.soft, Hard: ContainerSpec.podmanNproc.hard }]
  return sent.map((ulimit) => ({ ...ulimit, Name: `RLIMIT_${ulimit.Name.toUpperCase()}` }))
}

/** The capability numbers a process holds (its effective set, from /proc), whatever the engine's inspect echoes. */
export const effectiveCapabilities = (pid: number): Set<number> => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("CapEff:")) ?? "CapEff: 0"
  const bits = BigInt(`0x${line.split(/\s+/)[1]}`)
  const held = new Set<number>()
  for (let bit = 0; bit < 64; bit++) if ((bits >> BigInt(bit)) & 1n) held.add(bit)
  return held
}

/** The container's cgroup v1 freezer directory, where this engine puts it. */
export const freezerCgroup = (id: string): string =>
  onPodman ? `/sys/fs/cgroup/freezer/libpod_parent/libpod-${id}` : `/sys/fs/cgroup/freezer/docker/${id}`

/** The address of a container on the default network: Docker reports it under `bridge`, Podman under `podman`. */
export const defaultNetworkAddress = (info: Docker.ContainerInspectInfo): string | undefined =>
  info.NetworkSettings.Networks[onPodman ? "podman" : "bridge"]?.IPAddress

/** Skip only on a machine without an engine and outside CI; under CI the tests run and fail with the engine's error. */
export const skipWithoutEngine = !engineAnswers && !requireDocker

/** Counts up every 50 ms into /ticks, so a test can see whether the process inside makes progress. */
export const tickerImage = "effect-whisk-test/ticker:latest"
/** Its command does not exist: starting it fails as `docker run` does with 127. */
export const noCommandImage = "effect-whisk-test/no-command:latest"

const build = (tag: string, dockerfile: string, withBusybox: boolean, dockerHost: string | undefined) => {
  const context = mkdtempSync(join(tmpdir(), "effect-whisk-image-"))
  try {
    writeFileSync(join(context, "Dockerfile"), dockerfile)
    if (withBusybox) copyFileSync("/bin/busybox", join(context, "busybox"))
    execFileSync("docker", ["build", "--quiet", "--tag", tag, context], {
      stdio: ["ignore", "ignore", "pipe"],
      env: dockerHost === undefined ? process.env : { ...process.env, DOCKER_HOST: dockerHost }
    })
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
}

/**
 * Builds both test images on the engine `dockerHost` names (the docker CLI is used in test setup only), by default the
 * one under test. Idempotent: the build cache makes it quick.
 */
export const buildTestImagesOn = (dockerHost: string | undefined) => {
  build(
    tickerImage,
    [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      `RUN ["/bin/busybox", "--install", "-s", "/bin"]`,
      `CMD ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /ticks; sleep 0.05; done"]`
    ].join("\n"),
    true,
    dockerHost
  )
  build(noCommandImage, [`FROM ${tickerImage}`, `CMD ["/does-not-exist"]`].join("\n"), false, dockerHost)
}

/** Builds both test images on the engine under test. */
export const buildTestImages = () => buildTestImagesOn(undefined)

/**
 * Where a started container's action answers, read from its inspect as the strategy in use put it there: the host
 * port its action port is published on (at 127.0.0.1: the test engines are all on this machine), else its address
 * on the network (the only one it is on, when the engine names it otherwise).
 */
export const actionAddressOf = (info: Docker.ContainerInspectInfo, network: string): { host: string; port: number } => {
  const published = info.NetworkSettings.Ports?.["8080/tcp"]?.[0]?.HostPort
  return published !== undefined && published !== ""
    ? { host: "127.0.0.1", port: Number(published) }
    : {
      // Podman reports its default network, which it also accepts as "bridge", under its own name.
      host: (info.NetworkSettings.Networks[network] ?? Object.values(info.NetworkSettings.Networks)[0])?.IPAddress ?? "",
      port: 8080
    }
}

export const docker = (...args: ReadonlyArray<string>): string =>
  execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

/** runc as the engine uses it: from PATH, else the sbin directories a non-login shell may lack. */
export const runcBinary = (): string => {
  const candidates = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"]
  for (const directory of candidates) {
    const path = join(directory, "runc")
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      continue
    }
  }
  return "runc"
}
