// A stand-in for the Docker engine API on a unix socket: each test scripts the answers, and the requests (with their
// bodies, and whether the client gave up on them) are recorded. dockerode talks to it as it talks to dockerd.
import Docker from "dockerode"
import { Effect, type Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly body: unknown
  /** Set when the client closed the connection before an answer was sent. */
  aborted: boolean
}

export interface Reply {
  readonly status: number
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown
}

/**
 * Answers a request now (a Reply), later (call `respond` and give undefined) or never; or writes the answer itself
 * on `response` (a stream the engine sends as it goes) and gives undefined.
 */
export type Handler = (
  request: FakeRequest,
  respond: (reply: Reply) => void,
  response: http.ServerResponse
) => Reply | undefined

export interface FakeEngine {
  /** What DOCKER_HOST would be set to for this engine. */
  readonly host: string
  readonly docker: Docker
  readonly requests: Array<FakeRequest>
  /** The requests with this method whose path matches. */
  readonly matching: (method: string, path: RegExp) => Array<FakeRequest>
}

const send = (response: http.ServerResponse, reply: Reply) => {
  if (response.writableEnded || response.destroyed) return
  const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
  response.writeHead(reply.status, { "Content-Type": typeof reply.body === "string" ? "text/plain" : "application/json" })
  response.end(body)
}

/** On a unix socket in a fresh directory, or (`tcp`) on a free port of 127.0.0.1. */
export const fakeEngine = (
  handler: Handler,
  options: { readonly tcp?: boolean } = {}
): Effect.Effect<FakeEngine, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly engine: FakeEngine; readonly close: () => void }>((resume) => {
      const directory = mkdtempSync(join(tmpdir(), "effect-whisk-fake-engine-"))
      const socketPath = join(directory, "docker.sock")
      const requests: Array<FakeRequest> = []
      const server = http.createServer((incoming, response) => {
        const chunks: Array<Buffer> = []
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
        incoming.on("end", () => {
          const url = new URL(incoming.url ?? "/", "http://engine")
          const text = Buffer.concat(chunks).toString()
          const request: FakeRequest = {
            method: incoming.method ?? "GET",
            path: url.pathname,
            query: url.searchParams,
            body: text.length > 0 ? JSON.parse(text) : undefined,
            aborted: false
          }
          requests.push(request)
          response.on("close", () => {
            if (!response.writableEnded) request.aborted = true
          })
          const reply = handler(request, (later) => send(response, later), response)
          if (reply !== undefined) send(response, reply)
        })
      })
      const close = () => {
        server.closeAllConnections()
        server.close()
        rmSync(directory, { recursive: true, force: true })
      }
      const ready = (host: string, docker: Docker) =>
        resume(Effect.succeed({
          engine: {
            host,
            docker,
            requests,
            matching: (method, path) => requests.filter((r) => r.method === method && path.test(r.path))
          },
          close
        }))
      if (options.tcp === true) {
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as { port: number }
          ready(`tcp://127.0.0.1:${port}`, new Docker({ host: "127.0.0.1", port, protocol: "http" }))
        })
      } else {
        server.listen(socketPath, () => ready(`unix://${socketPath}`, new Docker({ socketPath })))
      }
    }),
    ({ close }) => Effect.sync(close)
  ).pipe(Effect.map(({ engine }) => engine))
