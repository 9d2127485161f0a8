import { start } from "./Server.js"
import { defaultPort } from "./internal/server/protocol.js"

/**
 * The runtime image's entry point (`node server`). Env: OW_PORT (default 8080) and OW_HOST (default all
 * interfaces) for local runs; __OW_ALLOW_CONCURRENT as upstream; __OW_RUNTIME_PLATFORM must be unset or "openwhisk".
 */

const fail = (message: string, exitCode: number): never => {
  console.error(message)
  process.exit(exitCode)
}

const portFromEnv = (): number => {
  const text = process.env["OW_PORT"]
  if (text === undefined || text === "") return defaultPort
  const port = Number(text)
  return Number.isInteger(port) && port >= 0 && port < 65536 ? port : fail(`OW_PORT (${text}) is not a port number.`, 2)
}

const platform = process.env["__OW_RUNTIME_PLATFORM"]
if (platform !== undefined && platform.toLowerCase() !== "openwhisk") {
  fail(`__OW_RUNTIME_PLATFORM (${platform}) is not supported by the runtime.`, 9)
}

// As PID 1 in a container node gets no default signal handling: without these `docker stop` waits for SIGKILL.
process.once("SIGTERM", () => process.exit(143))
process.once("SIGINT", () => process.exit(130))

const host = process.env["OW_HOST"]
start({
  port: portFromEnv(),
  ...(host === undefined || host === "" ? {} : { host }),
  allowConcurrent: (process.env["__OW_ALLOW_CONCURRENT"] ?? "").toLowerCase() === "true"
}).catch((error: unknown) => fail(`The action runtime could not listen: ${String(error)}`, 1))
