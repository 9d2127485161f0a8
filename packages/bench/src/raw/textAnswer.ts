import type * as http from "node:http"

/** An HTTP answer read whole as text, the way the raw baselines read theirs. */
export interface Answer {
  readonly status: number
  readonly body: string
}

/** Reads `res` to its end as UTF-8 text: what a bare node:http caller does with an answer. */
export const readText = (
  res: http.IncomingMessage,
  resolve: (answer: Answer) => void,
  reject: (error: unknown) => void
): void => {
  let text = ""
  res.setEncoding("utf8")
  res.on("data", (chunk: string) => (text += chunk))
  res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }))
  res.on("error", reject)
}
