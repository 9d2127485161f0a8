// What the real-engine tests share: whether an engine answers (under CI, or when scripts/test.sh brought it up, a
// missing engine fails the tests instead of skipping them), the small FROM-scratch images they run, and runc's path.
// First: it points DOCKER_HOST at the engine under test before anything makes a client.
import "./testEngine.js"
import Docker from "dockerode"
import { execFileSync } from "node:child_process"
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
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

/** Skip only on a machine without an engine and outside CI; under CI the tests run and fail with the engine's error. */
export const skipWithoutEngine = !engineAnswers && !requireDocker

/** Counts up every 50 ms into /ticks, so a test can see whether the process inside makes progress. */
export const tickerImage = "effect-whisk-test/ticker:latest"
/** Its command does not exist: starting it fails as `docker run` does with 127. */
export const noCommandImage = "effect-whisk-test/no-command:latest"

const build = (tag: string, dockerfile: string, withBusybox: boolean) => {
  const context = mkdtempSync(join(tmpdir(), "effect-whisk-image-"))
  try {
    writeFileSync(join(context, "Dockerfile"), dockerfile)
    if (withBusybox) copyFileSync("/bin/busybox", join(context, "busybox"))
    execFileSync("docker", ["build", "--quiet", "--tag", tag, context], { stdio: ["ignore", "ignore", "pipe"] })
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
}

/** Builds both test images (the docker CLI is used in test setup only). Idempotent: the build cache makes it quick. */
export const buildTestImages = () => {
  build(
    tickerImage,
    [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      `RUN ["/bin/busybox", "--install", "-s", "/bin"]`,
      `CMD ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /ticks; sleep 0.05; done"]`
    ].join("\n"),
    true
  )
  build(noCommandImage, [`FROM ${tickerImage}`, `CMD ["/does-not-exist"]`].join("\n"), false)
}

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
