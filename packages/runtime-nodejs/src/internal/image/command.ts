import { spawn } from "node:child_process"
import { RuntimeImageBuildError } from "./imageError.js"

export interface CommandOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal | undefined
  /** Each output line (stdout and stderr) as it arrives. */
  readonly onLine?: ((line: string) => void) | undefined
  readonly env?: NodeJS.ProcessEnv | undefined
}

export interface CommandResult {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
}

const lineSplitter = (onLine: ((line: string) => void) | undefined) => {
  let pending = ""
  return {
    push: (text: string) => {
      if (onLine === undefined) return
      const lines = (pending + text).split("\n")
      pending = lines.pop() ?? ""
      lines.forEach((line) => onLine(line))
    },
    flush: () => {
      if (onLine !== undefined && pending !== "") onLine(pending)
      pending = ""
    }
  }
}

/**
 * Runs a program without a shell and collects its output. Never rejects for a non-zero exit (the caller decides);
 * rejects when it cannot be started, or with an "Interrupted" RuntimeImageBuildError when `signal` aborts it. The timeout kills it with SIGKILL.
 */
export const runCommand = (file: string, args: ReadonlyArray<string>, options: CommandOptions) =>
  new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.env === undefined ? {} : { env: options.env })
    })
    let stdout = ""
    let stderr = ""
    const lines = lineSplitter(options.onLine)
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text
      lines.push(text)
    })
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text
      lines.push(text)
    })
    child.once("error", (error) =>
      reject(
        options.signal?.aborted
          ? new RuntimeImageBuildError("Interrupted", `${file} ${args.join(" ")} was interrupted`, { cause: error })
          : error
      )
    )
    child.once("close", (exitCode, signal) => {
      lines.flush()
      resolve({ exitCode, stdout, stderr, timedOut: exitCode === null && signal === "SIGKILL" })
    })
  })
