import * as os from "node:os"
import * as EngineApi from "./raw/engineApi.js"
import { run } from "./raw/processes.js"

/** Where the figures came from. */
export const describeMachine = async () => ({
  cpu: os.cpus()[0]?.model.trim() ?? "unknown",
  cores: os.cpus().length,
  memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  docker: await EngineApi.version().catch(() => "unknown"),
  engine: await EngineApi.onPodman().then((podman) => podman ? "Podman" : "Docker", () => "Docker"),
  runc: (await run("runc", ["--version"]).catch(() => "unknown")).split("\n")[0]?.trim() ?? "unknown"
})

export type Machine = Awaited<ReturnType<typeof describeMachine>>
