/**
 * Where the engine answers, as the program reaches it (`DOCKER_HOST`, else the default socket), and what that says
 * about where the engine runs: whether its containers' processes, cgroups and published ports are on this machine.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface EngineEndpoint {
  /** As `DOCKER_HOST` would name it: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://user@host`. */
  readonly url: string
  /** The host a published port is reached at: the engine's host name or address, 127.0.0.1 for a socket. */
  readonly host: string
  /**
   * The engine runs on this machine as far as its endpoint tells: a unix socket (or a Windows pipe) or a loopback
   * address. A socket can still lead into a VM (Docker Desktop, colima), so strategies that need the engine's
   * processes here also probe for them.
   */
  readonly local: boolean
}

const loopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host)

/**
 * The endpoint a `DOCKER_HOST` value names (unset or empty: the default socket).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDockerHost = (dockerHost: string | undefined): EngineEndpoint => {
  if (dockerHost === undefined || dockerHost === "") return socket("/var/run/docker.sock")
  if (dockerHost.startsWith("unix://")) return socket(dockerHost.slice("unix://".length))
  if (dockerHost.startsWith("npipe://")) return { url: dockerHost, host: "127.0.0.1", local: true }
  let host = ""
  try {
    host = new URL(dockerHost).hostname
  } catch {
    host = ""
  }
  const bare = host.replace(/^\[(.*)\]$/, "$1")
  return { url: dockerHost, host: bare.length > 0 ? bare : "127.0.0.1", local: bare.length > 0 && loopback(bare) }
}

/**
 * The endpoint of an engine on a unix socket.
 *
 * @since 0.1.0
 * @category constructors
 */
export const socket = (path: string): EngineEndpoint => ({ url: `unix://${path}`, host: "127.0.0.1", local: true })

/**
 * Whether the host is a loopback address (or `localhost`).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLoopback = loopback
