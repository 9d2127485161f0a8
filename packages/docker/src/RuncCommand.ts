/**
 * The live Runc: `<binary> --root <root> pause|resume <id>`, spawned with node:child_process (B11, B12, B44). The
 * id must be a full engine id, checked before any process starts. A command that does not finish within its timeout
 * (or whose caller is interrupted) is killed with what it started: its descendants, and any process that carries
 * its spawn marker in its environment.
 *
 * @since 0.1.0
 */
import { ContainerId, Errors, FreezerConfig, Runc } from "@effect-whisk/core"
import { Duration, Effect, Either, Layer, Schedule } from "effect"
import { spawnProcess, TimedOut } from "./internal/spawnProcess.js"

type Operation = "pause" | "resume"

// On cgroup v1 a freeze that does not settle quickly (a busy machine) makes runc give up with "unable to freeze"
// after thawing the container again; pausing again is safe, and usually succeeds.
const isTransientFreezeFailure = (error: Errors.RuncError) =>
  error.reason === "NonZeroExit" && /unable to freeze/i.test(error.stderr ?? "")

const freezeRetry = Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(4)))

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Runc.Service, never, FreezerConfig.FreezerConfig> = Effect
  .gen(function*() {
    const config = (yield* FreezerConfig.FreezerConfig).runc

    const runcError = (
      operation: Operation,
      containerId: string,
      reason: Errors.RuncError["reason"],
      detail: { readonly exitCode?: number; readonly stderr?: string; readonly cause?: unknown } = {}
    ) => new Errors.RuncError({ operation, containerId, reason, ...detail })

    // At the deadline (or an interruption) the spawn kills runc with what it started.
    const execute = (operation: Operation, id: string, deadline: number) =>
      Effect.suspend(() => {
        const remaining = deadline - Date.now()
        if (remaining <= 0) return Effect.fail(runcError(operation, id, "Timeout"))
        return spawnProcess(config.binary, ["--root", config.root, operation, id], remaining).pipe(
          Effect.mapError((cause) =>
            cause instanceof TimedOut
              ? runcError(operation, id, "Timeout")
              : runcError(operation, id, "SpawnFailed", { cause })
          ),
          Effect.flatMap(({ exitCode, stderr }) =>
            exitCode === 0 ? Effect.void : Effect.fail(runcError(operation, id, "NonZeroExit", { exitCode, stderr })))
        )
      })

    const run = (operation: Operation, timeout: Duration.Duration) => (id: ContainerId.ContainerId) =>
      Either.match(ContainerId.parseEngineId(id), {
        onLeft: () => Effect.fail(runcError(operation, id, "InvalidId")),
        onRight: (engineId) =>
          // One deadline for the operation, retries included.
          Effect.suspend(() =>
            execute(operation, engineId, Date.now() + Duration.toMillis(timeout)).pipe(
              Effect.retry({ while: isTransientFreezeFailure, schedule: freezeRetry })
            )
          )
      }).pipe(Effect.withSpan(`Runc.${operation}`, { attributes: { containerId: id }, captureStackTrace: false }))

    return {
      pause: run("pause", config.timeouts.pause),
      resume: run("resume", config.timeouts.resume)
    }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Runc.Runc, never, FreezerConfig.FreezerConfig> = Layer
  .effect(Runc.Runc, make)
