import { spawn } from "node:child_process"

/** Runs a program (no shell) and gives its stdout; a non-zero exit is an error with its stderr. */
export const run = (file: string, args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.once("error", reject)
    child.once("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${file} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`)))
  })

/** `docker run -d` with the library's settings, then `docker inspect` for the address. */
export const dockerRunInspect = async (image: string, name: string): Promise<{ id: string; ip: string }> => {
  const id = (await run("docker", [
    "run", "-d", "--name", name,
    "--memory", "256m", "--memory-swap", "256m", "--cpu-shares", "256", "--network", "bridge",
    "--cap-drop", "NET_RAW", "--cap-drop", "NET_ADMIN", "--ulimit", "nofile=1024:1024", "--pids-limit", "1024",
    "--log-driver", "json-file", image
  ])).trim()
  const ip = (await run("docker", ["inspect", "--format", "{{.NetworkSettings.Networks.bridge.IPAddress}}", id])).trim()
  return { id, ip }
}

export const runc = (root: string, command: "pause" | "resume", id: string): Promise<string> =>
  run("runc", ["--root", root, command, id])
