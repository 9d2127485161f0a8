import * as http from "node:http"
import * as net from "node:net"

const request = (
  ip: string,
  path: string,
  body: unknown,
  connection: Pick<http.RequestOptions, "agent" | "createConnection">,
  headers: http.OutgoingHttpHeaders = {}
): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
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
      (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (text += chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }))
        res.on("error", reject)
      }
    )
    req.on("error", reject)
    req.end(payload)
  })

/**
 * POST a JSON body to an action container with node:http on a new connection (no keep-alive), the way node's
 * documentation gives for that (`agent: false`) and OpenWhisk's client behaves; gives the status and body.
 */
export const post = (ip: string, path: string, body: unknown): Promise<{ status: number; body: string }> =>
  request(ip, path, body, { agent: false })

/**
 * The same POST without any agent: the connection made by `createConnection` and closed after the answer
 * (`Connection: close`), as the library's client makes it; `agent: false` makes an agent of its own per request.
 */
export const postWithoutAgent = (ip: string, path: string, body: unknown): Promise<{ status: number; body: string }> =>
  request(ip, path, body, { createConnection: () => net.createConnection({ host: ip, port: 8080 }) }, { Connection: "close" })
