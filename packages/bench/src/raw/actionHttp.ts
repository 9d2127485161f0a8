import { Effect } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { type Answer, readText } from "./textAnswer.js"


const send = (
  ip: string,
  path: string,
  body: unknown,
  connection: Pick<http.RequestOptions, "agent" | "createConnection">,
  headers: http.OutgoingHttpHeaders,
  resolve: (answer: Answer) => void,
  reject: (error: unknown) => void
): http.ClientRequest => {
  const payload = JSON.stringify(body)
  const req = http.request(
    {
      host: ip,
      port: 8080,
      method: "POST",
      path,
      ...connection,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload), ...headers }
    },
    (res) => readText(res, resolve, reject)
  )
  req.on("error", reject)
  req.end(payload)
  return req
}

const request = (
  ip: string,
  path: string,
  body: unknown,
  connection: Pick<http.RequestOptions, "agent" | "createConnection">,
  headers: http.OutgoingHttpHeaders = {}
): Promise<Answer> => new Promise((resolve, reject) => send(ip, path, body, connection, headers, resolve, reject))

const withoutAgent = (ip: string): Pick<http.RequestOptions, "createConnection"> => ({
  createConnection: () => net.createConnection({ host: ip, port: 8080 })
})

/**
 * POST a JSON body to an action container with node:http on a new connection (no keep-alive), the way node's
 * documentation gives for that (`agent: false`) and OpenWhisk's client behaves; gives the status and body.
 */
export const post = (ip: string, path: string, body: unknown): Promise<Answer> =>
  request(ip, path, body, { agent: false })

/**
 * The same POST without any agent: the connection made by `createConnection` and closed after the answer
 * (`Connection: close`), as the library's client makes it; `agent: false` makes an agent of its own per request.
 */
export const postWithoutAgent = (ip: string, path: string, body: unknown): Promise<Answer> =>
  request(ip, path, body, withoutAgent(ip), { Connection: "close" })

/**
 * The POST without an agent as the least an Effect program can make of it: one `Effect.async` that destroys the
 * request when interrupted (Effect wraps such a canceler in an interruption mask of its own), with nothing else.
 */
export const postInterruptibly = (ip: string, path: string, body: unknown): Effect.Effect<Answer, unknown> =>
  Effect.async<Answer, unknown>((resume) => {
    const req = send(
      ip,
      path,
      body,
      withoutAgent(ip),
      { Connection: "close" },
      (answer) => resume(Effect.succeed(answer)),
      (error) => resume(Effect.fail(error))
    )
    return Effect.sync(() => req.destroy())
  })
