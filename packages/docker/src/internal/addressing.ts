import { ContainerAddress, type ContainerId, type EngineConfig, EngineEndpoint, Errors } from "@effect-whisk/core"
import type Docker from "dockerode"
import { type Duration, Effect } from "effect"
import { readFileSync } from "node:fs"
import { networkInterfaces } from "node:os"
import { engineCall } from "./engineCall.js"
import { addressIn } from "./engineFlavor.js"

/** The action port as the engine names it in ExposedPorts, PortBindings and the inspect's Ports. @internal */
export const actionPortKey = `${ContainerAddress.actionPort}/tcp`

interface ModemEndpoint {
  readonly socketPath?: unknown
  readonly host?: unknown
  readonly port?: unknown
  readonly protocol?: unknown
}

/**
 * Where a dockerode client sends its requests (its modem's socket path, or protocol, host and port): the same
 * endpoint `DOCKER_HOST` names for the client made from the environment, and the right one for any other client.
 *
 * @internal
 */
export const endpointOf = (docker: Docker): EngineEndpoint.EngineEndpoint => {
  const modem = docker.modem as unknown as ModemEndpoint
  if (typeof modem.socketPath === "string" && modem.socketPath.length > 0) {
    return modem.socketPath.startsWith("//./pipe/")
      ? { url: `npipe://${modem.socketPath}`, host: "127.0.0.1", local: true }
      : EngineEndpoint.socket(modem.socketPath)
  }
  // Without DOCKER_HOST the modem finds its default socket itself, later (its socketPath is then a function).
  if (typeof modem.host !== "string" || modem.host.length === 0) return EngineEndpoint.fromDockerHost(undefined)
  const host = modem.host
  const scheme = modem.protocol === "ssh" ? "ssh" : "tcp"
  const port = typeof modem.port === "string" || typeof modem.port === "number" ? `:${modem.port}` : ""
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host
  return EngineEndpoint.fromDockerHost(`${scheme}://${bracketed}${port}`)
}

/**
 * The HostIp the action port is published on. A local engine publishes on 127.0.0.1 only: the action proxy takes
 * code to run from anyone who reaches /init, so it must not be open to the network; this machine reaches it on
 * loopback (Docker Desktop, colima and rootless engines forward their loopback ports here too). A remote engine
 * must publish on all of its host's interfaces ("" is the engine's default), since the caller comes from another
 * machine; the engine host's own firewall is what guards it then (said in the README).
 *
 * @internal
 */
export const publishedHostIp = (endpoint: EngineEndpoint.EngineEndpoint): string => endpoint.local ? "127.0.0.1" : ""

const ipv4 = (address: string): number | undefined => {
  const parts = address.split(".")
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    value = value * 256 + Number(part)
  }
  return value
}

/**
 * Whether an IPv4 address lies in a subnet in CIDR notation (`172.17.0.0/16`). IPv6 subnets count as no match:
 * the bridge address the engine reports first is IPv4.
 *
 * @internal
 */
export const inSubnet = (address: string, subnet: string): boolean => {
  const [base, bits] = subnet.split("/")
  const prefix = Number(bits)
  const a = ipv4(address)
  const b = base === undefined ? undefined : ipv4(base)
  if (a === undefined || b === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return ((a & mask) >>> 0) === ((b & mask) >>> 0)
}

const fromHex = (hex: string): string =>
  // /proc/net/route writes addresses in the kernel's (little-endian) byte order.
  [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(".")

const prefixOf = (mask: string): number => {
  const value = ipv4(mask)
  return value === undefined ? 0 : value.toString(2).replace(/0+$/, "").length
}

/**
 * The IPv4 networks this machine is on, in CIDR notation: the directly connected routes of the kernel's table
 * (`/proc/net/route`: no gateway, not the default route), and the networks of its interfaces. The routes come first
 * because node lists only interfaces that are up with a carrier, and Docker's bridge has none until a container
 * joins it, though its route is there and a container on it is reachable once it does.
 *
 * @internal
 */
export const connectedNetworks = (): ReadonlyArray<string> => {
  let routes: ReadonlyArray<string> = []
  try {
    routes = readFileSync("/proc/net/route", "utf8").split("\n").slice(1).flatMap((line) => {
      const [, destination, gateway, , , , , mask] = line.trim().split(/\s+/)
      if (destination === undefined || gateway !== "00000000" || mask === undefined || mask === "00000000") return []
      return [`${fromHex(destination)}/${prefixOf(fromHex(mask))}`]
    })
  } catch {
    // not Linux, or no /proc: the interfaces alone
  }
  const interfaces = Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).flatMap((entry) => entry.family === "IPv4" && entry.cidr !== null ? [entry.cidr] : [])
  )
  return [...routes, ...interfaces]
}

/** Whether two IPv4 networks in CIDR notation overlap (one holds the other's base address). @internal */
export const overlaps = (a: string, b: string): boolean =>
  inSubnet(a.split("/")[0] ?? "", b) || inSubnet(b.split("/")[0] ?? "", a)

/**
 * The address strategy for containers on a network: the configured one, else (`auto`) `published` for an engine
 * that is not local, else `bridge` when this machine is on one of the network's subnets (a connected route or an
 * interface there; the subnets from the network's inspect), else `published`. A network the engine cannot describe keeps `bridge`, the address that
 * worked before the strategies existed, with a warning. The choice is logged.
 *
 * @internal
 */
export const chooseStrategy = (
  docker: Docker,
  endpoint: EngineEndpoint.EngineEndpoint,
  mode: EngineConfig.Shape["address"],
  timeout: Duration.Duration,
  networks: () => ReadonlyArray<string> = connectedNetworks
) =>
(network: string): Effect.Effect<ContainerAddress.Strategy> => {
  if (mode !== "auto") return Effect.succeed(mode)
  const chose = (strategy: ContainerAddress.Strategy, why: string) =>
    Effect.as(Effect.logInfo(`EFFECT_WHISK_ADDRESS=auto chose ${strategy} for network ${network}: ${why}`), strategy)
  if (!endpoint.local) return chose("published", `the engine at ${endpoint.url} is not on this machine`)
  // Through the modem: dockerode's network inspect takes no abort signal.
  const inspect = (signal: AbortSignal) =>
    new Promise<Docker.NetworkInspectInfo>((resolve, reject) =>
      docker.modem.dial({
        path: `/networks/${encodeURIComponent(network)}?`,
        method: "GET",
        statusCodes: { 200: true, 404: "no such network", 500: "server error" },
        abortSignal: signal,
        options: {}
      } as Parameters<typeof docker.modem.dial>[0], (error, data) => error ? reject(error) : resolve(data as Docker.NetworkInspectInfo))
    )
  return engineCall("inspectNetwork", network, timeout, inspect).pipe(
      Effect.flatMap((info) => {
        const subnets = (info?.IPAM?.Config ?? []).flatMap((entry) =>
          typeof entry?.Subnet === "string" ? [entry.Subnet] : []
        )
        const mine = networks()
        const shared = subnets.find((subnet) => mine.some((network) => overlaps(network, subnet)))
        return shared === undefined
          ? chose("published", `this machine is on none of its subnets (${subnets.join(", ") || "none"})`)
          : chose("bridge", `this machine is on ${shared}`)
      }),
      Effect.catchAll((error) =>
        Effect.as(
          Effect.logWarning(
            `EFFECT_WHISK_ADDRESS=auto kept bridge for network ${network}: the engine did not describe it (${error.message}); ` +
              `set EFFECT_WHISK_ADDRESS=published if its containers' addresses are not reachable from here`
          ),
          "bridge" as const
        )
      )
    )
}

/**
 * A started container's address under a strategy: its IP on the network (`bridge`), or the engine's host and the
 * host port the action port was published on (`published`; 127.0.0.1 for a local engine, which published there).
 *
 * @internal
 */
export const addressOf = (
  strategy: ContainerAddress.Strategy,
  endpoint: EngineEndpoint.EngineEndpoint,
  id: ContainerId.ContainerId,
  network: string,
  info: Docker.ContainerInspectInfo
): Effect.Effect<ContainerAddress.ContainerAddress, Errors.DockerEngineError> => {
  const notFound = (description: string) =>
    Effect.fail(new Errors.DockerEngineError({ operation: "inspectAddress", target: id, reason: "NotFound", description }))
  if (strategy === "bridge") {
    const ip = addressIn(network, info.NetworkSettings)
    return ip !== undefined
      ? Effect.succeed(ContainerAddress.make(ip))
      : notFound(`the container has no IP address on network ${network}`)
  }
  const bindings = (info.NetworkSettings?.Ports as Record<string, ReadonlyArray<{ HostIp?: string; HostPort?: string }> | null> | undefined)?.[actionPortKey] ?? []
  const port = bindings.map((binding) => Number(binding.HostPort)).find((port) => Number.isInteger(port) && port > 0 && port < 65536)
  return port === undefined
    ? notFound(`the action port ${actionPortKey} is not published on the engine's host (EFFECT_WHISK_ADDRESS=published)`)
    : Effect.succeed(ContainerAddress.make(endpoint.local ? "127.0.0.1" : endpoint.host, port, true))
}
