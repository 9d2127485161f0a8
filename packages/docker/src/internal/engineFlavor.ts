import { ContainerSpec, type DockerEngine } from "@effect-whisk/core"
import type Docker from "dockerode"

/**
 * The engine's flavor from its version answer: Podman's Docker-compatible service lists a component named
 * "Podman Engine"; Docker lists "Engine" (and older Dockers list no components at all).
 *
 * @internal
 */
export const flavorOf = (version: Docker.DockerVersion): DockerEngine.EngineFlavor => {
  const components = (version as { readonly Components?: ReadonlyArray<{ readonly Name?: unknown }> }).Components
  return Array.isArray(components) &&
      components.some((component) => typeof component?.Name === "string" && /podman/i.test(component.Name))
    ? "podman"
    : "docker"
}

/**
 * The container's IP address from its inspect, on the network it was created on. The default network is the
 * exception: Podman accepts `bridge` but reports the container under its own network's name (`podman`), so for
 * `bridge` the address outside any network (which both engines give for the default one) counts, else the one
 * network that has an address. Another network without an address has none.
 *
 * @internal
 */
export const addressIn = (
  network: string,
  settings: Docker.ContainerInspectInfo["NetworkSettings"] | undefined
): string | undefined => {
  const usable = (ip: unknown): ip is string => typeof ip === "string" && ip.length > 0
  const networks = settings?.Networks ?? {}
  const named = networks[network]?.IPAddress
  if (usable(named)) return named
  if (network !== ContainerSpec.defaultNetwork) return undefined
  // Docker's types leave out the address outside any network.
  const outside = (settings as { readonly IPAddress?: unknown } | undefined)?.IPAddress
  if (usable(outside)) return outside
  const addressed = Object.values(networks).map((entry) => entry?.IPAddress).filter(usable)
  return addressed.length === 1 ? addressed[0] : undefined
}

/**
 * Whether a container that exited was killed for memory. Docker's `OOMKilled` says so; Podman 4's stays false for a
 * kill by the memory cgroup, so there a SIGKILL exit (137) of a container with a memory limit counts as one (every
 * effect-whisk container has a limit). It also counts a `kill -9` from outside as memory: Podman's inspect cannot
 * tell them apart, and the container's cgroup (with its OOM counter) is gone once it exited.
 *
 * @internal
 */
export const killedForMemory = (flavor: DockerEngine.EngineFlavor, info: Docker.ContainerInspectInfo): boolean => {
  if (info.State?.OOMKilled === true) return true
  return flavor === "podman" && info.State?.Running !== true && info.State?.ExitCode === 137 &&
    (info.HostConfig?.Memory ?? 0) > 0
}
