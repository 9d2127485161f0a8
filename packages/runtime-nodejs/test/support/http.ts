import type { IncomingHttpHeaders } from "node:http"
import { request } from "node:http"

export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly bytes: Buffer
  readonly text: string
  readonly json: unknown
}

export interface RequestOptions {
  readonly method?: string
  readonly contentType?: string
  /** Default 127.0.0.1. */
  readonly host?: string
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request on a fresh connection (as the platform's client does); `body` objects are sent as JSON. */
export const send = (port: number, path: string, body?: unknown, options: RequestOptions = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body))
    const call = request(
      {
        host: options.host ?? "127.0.0.1",
        port,
        path,
        method: options.method ?? "POST",
        agent: false,
        headers: {
          "Content-Type": options.contentType ?? "application/json",
          Accept: "application/json",
          ...(payload === undefined ? {} : { "Content-Length": payload.length })
        }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("error", reject)
        response.on("end", () => {
          const bytes = Buffer.concat(chunks)
          const text = bytes.toString("utf8")
          resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, text, json: parse(text) })
        })
      }
    )
    call.on("error", reject)
    call.end(payload)
  })
