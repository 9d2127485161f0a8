import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { ActionService } from "./internal/server/actionService.js"
import { makeActionService } from "./internal/server/actionService.js"
import { readJsonBody, sendJson } from "./internal/server/httpIO.js"
import { defaultPort, messages } from "./internal/server/protocol.js"

/**
 * The OpenWhisk action runtime's HTTP server: POST /init and POST /run (docs/runtime-protocol.md). Uses only
 * node:* modules because it runs in a FROM-scratch image that holds nothing but the node binary and busybox.
 */

export interface StartOptions {
  /** Defaults to 8080; 0 picks a free port. */
  readonly port?: number
  /** Defaults to all interfaces. */
  readonly host?: string
  /** Serve overlapping /run calls (`__OW_ALLOW_CONCURRENT=true`); by default the second one gets a 403. */
  readonly allowConcurrent?: boolean
}

export interface RunningServer {
  readonly port: number
  readonly close: () => Promise<void>
}

type Route = "init" | "run"

// Like express' router: case-insensitive path, optional trailing slash, query string ignored.
const routeOf = (request: IncomingMessage): Route | undefined => {
  if (request.method !== "POST") return undefined
  const path = (request.url ?? "").split("?")[0]?.toLowerCase().replace(/(.)\/$/, "$1")
  if (path === "/init") return "init"
  if (path === "/run") return "run"
  return undefined
}

const badRequest = (response: ServerResponse) => sendJson(response, 500, { error: messages.badRequest })

const handle = async (service: ActionService, request: IncomingMessage, response: ServerResponse) => {
  const route = routeOf(request)
  const body = await readJsonBody(request)
  if (body._tag === "ClientGone") return
  if (body._tag === "Rejected" || route === undefined) return badRequest(response)
  const answer = route === "init" ? await service.init(body.value) : await service.run(body.value)
  sendJson(response, answer.status, answer.body)
}

const listen = (server: HttpServer, port: number, host: string | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off("error", reject)
      resolve()
    })
  })

export const start = async (options: StartOptions = {}): Promise<RunningServer> => {
  const service = makeActionService({ allowConcurrent: options.allowConcurrent ?? false })
  const server = createServer((request, response) => {
    handle(service, request, response).catch((error: unknown) => {
      console.error("Internal error:", error)
      sendJson(response, 500, { error: messages.internalError })
    })
  })
  // An activation may run as long as the platform allows: no server-side timeouts (upstream: server.timeout = 0).
  server.timeout = 0
  server.requestTimeout = 0
  await listen(server, options.port ?? defaultPort, options.host)
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}
