import { ContainerConfig, ContainerResources, ContainerSpec } from "@effect-whisk/core"
import * as http from "node:http"
import { type Answer, readText } from "./textAnswer.js"

/**
 * The engine API over its unix socket with node:http and nothing else: the baseline the library is compared with.
 */

const socketPath = (): string => {
  const host = process.env.DOCKER_HOST
  if (host === undefined || host.length === 0) return "/var/run/docker.sock"
  if (host.startsWith("unix://")) return host.slice("unix://".length)
  throw new Error(`the benchmark talks to the engine over a unix socket; DOCKER_HOST=${host} is not one`)
}

export type { Answer }

export const request = (method: string, path: string, body?: unknown): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      {
        socketPath: socketPath(),
        method,
        path,
        headers: payload === undefined
          ? {}
          : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
      },
      (res) => readText(res, resolve, reject)
    )
    req.on("error", reject)
    req.end(payload)
  })

const expect = async (answer: Promise<Answer>, ok: ReadonlyArray<number>, what: string): Promise<Answer> => {
  const result = await answer
  if (!ok.includes(result.status)) throw new Error(`engine ${what} answered HTTP ${result.status}: ${result.body}`)
  return result
}

// The cpu shares the library derives for a container of the default memory (B4).
const defaultCpuShares = ContainerResources.cpuShares(ContainerConfig.defaults.userMemory, ContainerSpec.defaultMemory)
const spec = ContainerSpec.make({ image: "", cpuShares: defaultCpuShares })

/** Whether the engine is Podman's Docker-compatible service (its version lists a "Podman Engine" component). */
export const onPodman = async (): Promise<boolean> => {
  const answer = await expect(request("GET", "/version"), [200], "version")
  const components = (JSON.parse(answer.body) as { Components?: Array<{ Name?: string }> }).Components ?? []
  return components.some((component) => /podman/i.test(component.Name ?? ""))
}

/** The create's ulimits as the library sends them to this engine: on Podman with nproc (ContainerSpec.podmanNproc). */
export const ulimitsFor = (podman: boolean) =>
  (podman ? ContainerSpec.withPodmanLimits(spec) : spec).ulimits

/** The create body the library sends for a platform container with the create defaults (B2–B4 as the engine API's fields). */
export const createBody = (image: string, podman: boolean) => ({
  Image: image,
  Env: [],
  Labels: {},
  HostConfig: {
    Memory: spec.memory.bytes,
    MemorySwap: spec.memory.bytes,
    CpuShares: spec.cpuShares,
    NetworkMode: spec.network,
    Dns: [],
    DnsSearch: [],
    DnsOptions: [],
    CapDrop: [...spec.capDrop],
    Ulimits: ulimitsFor(podman).map((ulimit) => ({ Name: ulimit.name, Soft: ulimit.soft, Hard: ulimit.hard })),
    PidsLimit: spec.pidsLimit,
    LogConfig: { Type: spec.logDriver, Config: {} }
  }
})

// Asked once per run, before the first create is timed.
let podmanAnswer: Promise<boolean> | undefined
const podmanEngine = () => (podmanAnswer ??= onPodman())

/** create + start + inspect: a running container and its address on the bridge (Podman's: its default network). */
export const createStartInspect = async (image: string, name: string): Promise<{ id: string; ip: string }> => {
  const podman = await podmanEngine()
  const created = await expect(request("POST", `/containers/create?name=${encodeURIComponent(name)}`, createBody(image, podman)), [201], "create")
  const id = (JSON.parse(created.body) as { Id: string }).Id
  await expect(request("POST", `/containers/${id}/start`), [204], "start")
  const info = await expect(request("GET", `/containers/${id}/json`), [200], "inspect")
  const settings = (JSON.parse(info.body) as {
    NetworkSettings: { IPAddress?: string; Networks: Record<string, { IPAddress: string }> }
  }).NetworkSettings
  const ip = podman ? settings.IPAddress : settings.Networks[spec.network]?.IPAddress
  if (ip === undefined || ip.length === 0) throw new Error(`container ${id} has no address on the bridge`)
  return { id, ip }
}

export const remove = async (id: string): Promise<void> => {
  await expect(request("DELETE", `/containers/${id}?force=true`), [204, 404], "remove")
}

/** The container's json-file log. */
export const logPath = async (id: string): Promise<string> => {
  const info = await expect(request("GET", `/containers/${id}/json`), [200], "inspect")
  return (JSON.parse(info.body) as { LogPath: string }).LogPath
}

export const version = async (): Promise<string> => {
  const answer = await expect(request("GET", "/version"), [200], "version")
  return (JSON.parse(answer.body) as { Version: string }).Version
}
