// First: it points DOCKER_HOST at the engine under test before anything makes a client.
import "./testEngine.js"
import Docker from "dockerode"
import { Data, Effect, Schedule } from "effect"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url))
const bin = fileURLToPath(new URL("../../bin/effect-whisk.js", import.meta.url))
const built = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export class CliTestError extends Data.TaggedError("CliTestError")<{ readonly message: string }> {}

export interface Finished {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** The engine answers: tests against it run (and must pass under CI or scripts/test.sh). */
export const engineAnswers = await new Docker({ timeout: 10_000 }).ping().then(() => true, () => false)

export { requireDocker } from "./required.js"

/**
 * Runs the built command (`npx tsc -b` makes it) as a child process. `whileRunning` gets the child's pid once it
 * started; the child is killed if the test is interrupted.
 */
export const runBuiltCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  whileRunning: (pid: number) => Effect.Effect<void, CliTestError> = () => Effect.void
): Effect.Effect<Finished, CliTestError> =>
  Effect.gen(function*() {
    if (!existsSync(built)) {
      return yield* new CliTestError({ message: `${built} is missing: build the packages first with \`npx tsc -b\`` })
    }
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [bin, ...args], {
          cwd: repositoryRoot,
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    const exited = Effect.async<Finished>((resume) => {
      child.once("close", (status, signal) => resume(Effect.succeed({ status, signal, stdout, stderr })))
    })
    yield* whileRunning(child.pid ?? 0)
    return yield* exited
  }).pipe(Effect.scoped)

const docker = new Docker({ timeout: 10_000 })

/** The containers (running or not) whose name starts with `<prefix>_`. */
export const containersNamed = (prefix: string) =>
  Effect.tryPromise({
    try: (signal) => docker.listContainers({ all: true, filters: { name: [`${prefix}_`] }, abortSignal: signal }),
    catch: (cause) => new CliTestError({ message: `listing containers failed: ${String(cause)}` })
  }).pipe(
    Effect.map((containers) => containers.filter((container) => container.Names.some((name) => name.startsWith(`/${prefix}_`))))
  )

/** Waits until a running container has that prefix. */
export const awaitRunningContainer = (prefix: string) =>
  containersNamed(prefix).pipe(
    Effect.filterOrFail(
      (containers) => containers.some((container) => container.State === "running"),
      () => new CliTestError({ message: `no running container named ${prefix}_…` })
    ),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({ duration: "150 seconds", onTimeout: () => new CliTestError({ message: `no container named ${prefix}_… started` }) })
  )

/** Removes what a failed test may have left (the assertion about leftovers has run before). */
export const removeContainersNamed = (prefix: string) =>
  containersNamed(prefix).pipe(
    Effect.flatMap((containers) =>
      Effect.forEach(containers, (container) =>
        Effect.promise(() => docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined)))
    ),
    Effect.ignore
  )
