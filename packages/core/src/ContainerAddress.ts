/**
 * Where the action proxy in a container listens.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The port the action proxy listens on inside its container (the runtime protocol's, R1).
 *
 * @since 0.1.0
 * @category constants
 */
export const actionPort = 8080

/**
 * @since 0.1.0
 * @category models
 */
export class ContainerAddress extends Schema.Class<ContainerAddress>("ContainerAddress")({
  host: Schema.String.pipe(Schema.filter((s) => s.length > 0 || "ContainerIp must not be empty")),
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 65535)), { default: () => actionPort }),
  /**
   * The port is one the engine publishes (the `published` strategy): the engine's port forwarder accepts a
   * connection before the action listens and then closes it without an answer, so the HTTP client first waits for
   * an answer of any kind to a harmless GET before it sends /init.
   */
  published: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {
  /** `host:port` */
  get asString(): string {
    return `${this.host}:${this.port}`
  }
  /** The base URL of the action proxy. */
  get url(): string {
    return `http://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`
  }
}

/**
 * How the caller reaches a container's action: `bridge` is the container's own address on its network (reachable
 * only from the engine's machine, and only when this machine has an interface on that network); `published` is the
 * action port published on an ephemeral port of the engine's host, reached at that host (what a remote engine, an
 * engine in a VM or a rootless engine needs). `auto` chooses once per network (`EFFECT_WHISK_ADDRESS`).
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "auto" | "bridge" | "published"

/**
 * @since 0.1.0
 * @category models
 */
export type Strategy = Exclude<Mode, "auto">

/**
 * @since 0.1.0
 * @category models
 */
export const modes: ReadonlyArray<Mode> = ["auto", "bridge", "published"]

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (host: string, port = actionPort, published = false): ContainerAddress =>
  new ContainerAddress({ host, port, published })
