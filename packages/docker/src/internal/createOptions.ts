import type { ContainerSpec } from "@effect-whisk/core"
import type Docker from "dockerode"
import { Option } from "effect"

const mebibyte = 1024 * 1024

/**
 * OpenWhisk's `docker run` arguments (B2–B4) as the engine API's create body: `--memory`/`--memory-swap` in whole
 * megabytes (equal, so no swap), `--cpus` as nano-cpus, the invoker's fixed parameters in HostConfig. With
 * `publish` (the `published` address strategy) the action port is also published on an ephemeral port of the
 * engine's host, on that HostIp (`-p <HostIp>::8080`).
 *
 * @internal
 */
export const toCreateOptions = (
  options: ContainerSpec.ContainerSpec,
  publish: Option.Option<{ readonly port: string; readonly hostIp: string }> = Option.none()
): Docker.ContainerCreateOptions => {
  const memory = Math.floor(options.memory.bytes / mebibyte) * mebibyte
  const hostConfig: Docker.HostConfig = {
    Memory: memory,
    MemorySwap: memory,
    NetworkMode: options.network,
    Dns: [...options.dnsServers],
    DnsSearch: [...options.dnsSearch],
    DnsOptions: [...options.dnsOptions],
    CapDrop: [...options.capDrop],
    Ulimits: options.ulimits.map((ulimit) => ({ Name: ulimit.name, Soft: ulimit.soft, Hard: ulimit.hard })),
    PidsLimit: options.pidsLimit,
    LogConfig: { Type: options.logDriver, Config: {} }
  }
  // 0 is `docker run`'s "not set": the engine's default weight.
  if (options.cpuShares > 0) hostConfig.CpuShares = options.cpuShares
  if (Option.isSome(options.cpus)) hostConfig.NanoCpus = Math.round(options.cpus.value * 1e9)
  // Set only by the deployment's overrides (B3): absent, the engine's defaults.
  if (options.capAdd.length > 0) hostConfig.CapAdd = [...options.capAdd]
  if (options.securityOpt.length > 0) hostConfig.SecurityOpt = [...options.securityOpt]
  if (options.readOnlyRootfs) hostConfig.ReadonlyRootfs = true
  const create: Docker.ContainerCreateOptions = {
    Image: options.image,
    Env: options.env.map(([key, value]) => `${key}=${value}`),
    Labels: { ...options.labels },
    HostConfig: hostConfig
  }
  if (Option.isSome(publish)) {
    const { hostIp, port } = publish.value
    create.ExposedPorts = { [port]: {} }
    // An empty HostPort asks the engine for an ephemeral one; the inspect after the start says which.
    hostConfig.PortBindings = { [port]: [{ HostIp: hostIp, HostPort: "" }] }
  }
  if (Option.isSome(options.name)) create.name = options.name.value
  return create
}

/**
 * The `docker run` exit status a failed start corresponds to (the docker CLI's rule): 127 when the command was not
 * found, else 125. (The CLI's 126 for a command that cannot be executed counts as 125 here: the container still has
 * to be removed.)
 *
 * @internal
 */
export const startExitStatus = (description: string): 125 | 127 =>
  /executable file not found|no such file or directory|system cannot find the file specified/i.test(description)
    ? 127
    : 125
