// A node:http server on 127.0.0.1 for the live ContainerHttp client tests: each test gives a handler, and the server
// records what it saw (requests, bodies, sockets, how many requests were in flight at once). Closed with the scope.
import { ContainerAddress } from "@effect-whisk/core"
import { Effect } from "effect"
import type { Scope } from "effect"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as net from "node:net"

export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface TestServer {
  readonly address: ContainerAddress.ContainerAddress
  readonly requests: Array<SeenRequest>
  /** Sockets the server accepted, and how many of them have been closed. */
  readonly sockets: { accepted: number; closed: number }
  readonly concurrency: { current: number; max: number }
  /** Destroys every connection open now (between calls: the ones that carry no request). */
  readonly dropConnections: () => void
}

export type Handler = (request: SeenRequest, response: http.ServerResponse, server: TestServer) => void

const readBody = (request: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const listen = (server: net.Server, port = 0) =>
  Effect.async<number, Error>((resume) => {
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(port, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
  })

const close = (server: http.Server, sockets: Set<Socket>) =>
  Effect.async<void>((resume) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resume(Effect.void))
  })

/** Starts a server (on `port`, or a free one) that answers with `handler`; it stops when the scope closes. */
export const testServer = (handler: Handler, port = 0): Effect.Effect<TestServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const open = new Set<Socket>()
    const state = {
      requests: [] as Array<SeenRequest>,
      sockets: { accepted: 0, closed: 0 },
      concurrency: { current: 0, max: 0 }
    }
    const server = http.createServer((request, response) => {
      state.concurrency.current++
      state.concurrency.max = Math.max(state.concurrency.max, state.concurrency.current)
      response.once("close", () => state.concurrency.current--)
      void readBody(request).then((body) => {
        const seen = { method: request.method ?? "", path: request.url ?? "", headers: request.headers, body }
        state.requests.push(seen)
        handler(seen, response, { ...state, address, dropConnections })
      }, () => response.destroy())
    })
    server.on("connection", (socket) => {
      state.sockets.accepted++
      open.add(socket)
      socket.once("close", () => {
        state.sockets.closed++
        open.delete(socket)
      })
    })
    const bound = yield* Effect.acquireRelease(listen(server, port), () => close(server, open))
    const address = ContainerAddress.make("127.0.0.1", bound)
    const dropConnections = () => open.forEach((socket) => socket.destroy())
    return { ...state, address, dropConnections }
  })

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export const closedPort: Effect.Effect<number, Error> = Effect.gen(function*() {
  const probe = net.createServer()
  const port = yield* listen(probe)
  yield* Effect.async<void>((resume) => {
    probe.close(() => resume(Effect.void))
  })
  return port
})

/** Answers `status` with `entity` and its Content-Length (no body at all for `null`). */
export const answer = (status: number, entity: string | null): Handler => (_request, response) => {
  const bytes = Buffer.from(entity ?? "", "utf8")
  response.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length) })
  response.end(bytes)
}

/** Answers in chunks without Content-Length (chunked transfer encoding). */
export const answerChunked = (status: number, chunks: ReadonlyArray<string>): Handler => (_request, response) => {
  response.writeHead(status, { "content-type": "application/json" })
  for (const chunk of chunks) response.write(chunk)
  response.end()
}

export interface Streamed {
  /** Bytes the server handed to the socket before it finished or the client went away. */
  written: number
  finished: boolean
}

/**
 * Answers `total` bytes of "x" in 64 KiB writes that respect backpressure, from one reused buffer (so the server's
 * own memory stays flat), with or without a Content-Length. `progress` shows how far it got.
 */
export const answerLarge = (total: number, withLength: boolean, progress: Streamed): Handler => (_request, response) => {
  const chunk = Buffer.alloc(64 * 1024, "x")
  response.writeHead(200, withLength ? { "content-length": String(total) } : {})
  response.once("close", () => {
    progress.finished = response.writableFinished
  })
  const pump = () => {
    while (progress.written < total && !response.destroyed) {
      const size = Math.min(chunk.length, total - progress.written)
      progress.written += size
      if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        response.once("drain", pump)
        return
      }
    }
    if (!response.destroyed) response.end()
  }
  pump()
}
