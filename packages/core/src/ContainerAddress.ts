/**
 * Where the action proxy in a container listens.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export class ContainerAddress extends Schema.Class<ContainerAddress>("ContainerAddress")({
  host: Schema.String.pipe(Schema.filter((s) => s.length > 0 || "ContainerIp must not be empty")),
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 65535)), { default: () => 8080 })
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
 * @since 0.1.0
 * @category constructors
 */
export const make = (host: string, port = 8080): ContainerAddress => new ContainerAddress({ host, port })
