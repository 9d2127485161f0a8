// A fault proxy of our own between dockerode and the shared engine's socket: a loopback TCP port (TCP, so that a
// connection can be reset) that forwards each connection to /var/run/docker.sock and, request by request, can pass it, stall it (hold it: no byte goes on, no
// answer comes back), drop the connection, slow it down, or reset it. The engine itself is never touched.
import Docker from "dockerode"
import { Effect, type Scope } from "effect"
import * as net from "node:net"

export type Fault = "pass" | "stall" | "drop" | "slow" | "reset"

export interface ProxiedRequest {
  readonly method: string
  readonly path: string
}

export interface FaultProxy {
  /** A dockerode client that talks to the engine through the proxy. */
  readonly docker: Docker
  /** Decides the fault of every request from now on (by default every request passes). */
  readonly set: (rule: (request: ProxiedRequest) => Fault) => void
  /** How many requests met each fault so far. */
  readonly seen: Record<Fault, number>
}

const engineSocket = "/var/run/docker.sock"
const requestLine = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/
const slowDelay = 100

export const faultProxy: Effect.Effect<FaultProxy, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly proxy: FaultProxy; readonly close: () => void }>((resume) => {
    let rule: (request: ProxiedRequest) => Fault = () => "pass"
    const seen: Record<Fault, number> = { pass: 0, stall: 0, drop: 0, slow: 0, reset: 0 }
    const sockets = new Set<net.Socket>()
    const server = net.createServer((client) => {
      const upstream = net.connect(engineSocket)
      sockets.add(client).add(upstream)
      let fault: Fault = "pass"
      const later = (action: () => void) => fault === "slow" ? setTimeout(action, slowDelay) : action()
      client.on("data", (chunk: Buffer) => {
        const line = requestLine.exec(chunk.subarray(0, 2048).toString("latin1"))
        // A stalled connection stays stalled: everything after the stalled request is held too.
        if (line !== null && fault !== "stall") {
          fault = rule({ method: line[1]!, path: line[2]!.replace(/^\/v[0-9.]+/, "") })
          seen[fault]++
        }
        switch (fault) {
          case "stall":
            return
          case "drop":
            client.destroy()
            upstream.destroy()
            return
          case "reset":
            client.resetAndDestroy()
            upstream.destroy()
            return
          default:
            later(() => upstream.write(chunk))
        }
      })
      upstream.on("data", (chunk: Buffer) => {
        if (fault !== "stall") later(() => client.writable && client.write(chunk))
      })
      const closeBoth = () => {
        client.destroy()
        upstream.destroy()
        sockets.delete(client)
        sockets.delete(upstream)
      }
      client.on("close", closeBoth)
      upstream.on("close", () => later(closeBoth))
      client.on("error", closeBoth)
      upstream.on("error", closeBoth)
    })
    const close = () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      resume(Effect.succeed({
        proxy: { docker: new Docker({ host: "127.0.0.1", port, protocol: "http" }), set: (next) => (rule = next), seen },
        close
      }))
    })
  }),
  ({ close }) => Effect.sync(close)
).pipe(Effect.map(({ proxy }) => proxy))
