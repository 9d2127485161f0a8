import { ContainerConfig, ContainerResources, ContainerSpec } from "@effect-whisk/core"
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

// The cpu shares the library derives for a container of the default memory (B4).
const defaultCpuShares = ContainerResources.cpuShares(ContainerConfig.defaults.userMemory, ContainerSpec.defaultMemory)

/** `docker run -d` with the library's settings for a platform container with the create defaults, then its address. */
export const dockerRunInspect = async (image: string, name: string, podman = false): Promise<{ id: string; ip: string }> => {
  const made = ContainerSpec.make({ image, cpuShares: defaultCpuShares })
  const spec = podman ? ContainerSpec.withPodmanLimits(made) : made
  const memory = `${Math.floor(spec.memory.bytes / (1024 * 1024))}m`
  const id = (await run("docker", [
    "run", "-d", "--name", name,
    "--memory", memory, "--memory-swap", memory, "--cpu-shares", String(spec.cpuShares), "--network", spec.network,
    ...spec.capDrop.flatMap((capability) => ["--cap-drop", capability]),
    ...spec.ulimits.flatMap((ulimit) => ["--ulimit", `${ulimit.name}=${ulimit.soft}:${ulimit.hard}`]),
    "--pids-limit", String(spec.pidsLimit), "--log-driver", spec.logDriver, image
  ])).trim()
  // Podman reports a container on `bridge` under its own network; the address outside any network is the same one.
  const format = podman ? "{{.NetworkSettings.IPAddress}}" : `{{.NetworkSettings.Networks.${spec.network}.IPAddress}}`
  const ip = (await run("docker", ["inspect", "--format", format, id])).trim()
  return { id, ip }
}

export const runc = (root: string, command: "pause" | "resume", id: string): Promise<string> =>
  run("runc", ["--root", root, command, id])
