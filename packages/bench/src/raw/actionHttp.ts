import * as http from "node:http"

/**
 * POST a JSON body to an action container with node:http on a new connection (no keep-alive), as the library's
 * client and OpenWhisk's do; gives the status and body.
 */
export const post = (ip: string, path: string, body: unknown): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const req = http.request(
      {
        host: ip,
        port: 8080,
        method: "POST",
        path,
        agent: false,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
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
