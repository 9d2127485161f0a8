import type { IncomingMessage, ServerResponse } from "node:http"
import { messages, requestBodyLimitBytes } from "./protocol.js"

/** What the runtime made of a request body, following express.json() (body-parser, strict mode). */
export type ParsedBody =
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Rejected" }
  | { readonly _tag: "ClientGone" }

const emptyObject = (): ParsedBody => ({ _tag: "Parsed", value: {} })

const isJsonContentType = (header: string | undefined): boolean =>
  header !== undefined && header.split(";")[0]?.trim().toLowerCase() === "application/json"

const hasIdentityEncoding = (header: string | undefined): boolean =>
  header === undefined || header.trim().toLowerCase() === "identity"

// body-parser's strict mode only accepts a top-level object or array.
const startsLikeObjectOrArray = (text: string): boolean => /^[\x20\x09\x0a\x0d]*[{[]/.test(text)

const parseJson = (bytes: Buffer): ParsedBody => {
  if (bytes.length === 0) return emptyObject()
  const text = bytes.toString("utf8")
  if (!startsLikeObjectOrArray(text)) return { _tag: "Rejected" }
  try {
    return { _tag: "Parsed", value: JSON.parse(text) as unknown }
  } catch {
    return { _tag: "Rejected" }
  }
}

/**
 * Reads the whole body. A body that is not `application/json` counts as `{}` (express leaves `req.body` empty);
 * one over the limit is read to its end but discarded, so the client gets the 500 instead of a reset connection.
 */
export const readJsonBody = (request: IncomingMessage, limit = requestBodyLimitBytes): Promise<ParsedBody> =>
  new Promise((resolve) => {
    const parse = isJsonContentType(request.headers["content-type"])
    const encodingOk = hasIdentityEncoding(request.headers["content-encoding"])
    const chunks: Array<Buffer> = []
    let size = 0
    let overLimit = Number(request.headers["content-length"] ?? 0) > limit
    request.on("data", (chunk: Buffer) => {
      if (!parse || overLimit) return
      size += chunk.length
      if (size > limit) {
        overLimit = true
        chunks.length = 0
      } else {
        chunks.push(chunk)
      }
    })
    request.on("end", () => {
      if (!parse) return resolve(emptyObject())
      if (overLimit || !encodingOk) return resolve({ _tag: "Rejected" })
      resolve(parseJson(Buffer.concat(chunks, size)))
    })
    // After "end" these are no-ops: the promise is settled.
    request.on("error", () => resolve({ _tag: "ClientGone" }))
    request.on("close", () => resolve({ _tag: "ClientGone" }))
  })

const serialize = (status: number, body: unknown): { status: number; text: string } => {
  try {
    return { status, text: JSON.stringify(body) ?? "" }
  } catch {
    // A circular or BigInt result: express' res.json throws and upstream's endpoint wrapper answers this.
    return { status: 500, text: JSON.stringify({ error: messages.internalError }) }
  }
}

/** Always sends a Content-Length: the platform's HTTP client treats a response without one as no response. */
export const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  if (response.headersSent || response.destroyed) return
  const serialized = serialize(status, body)
  const payload = Buffer.from(serialized.text, "utf8")
  response.writeHead(serialized.status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": payload.length
  })
  response.end(payload)
}
