/**
 * The live Freezer: the strategy `EFFECT_WHISK_FREEZER` names (`FreezerConfig.mode`), over the engine and runc
 * of the same program. `auto` decides once per engine, at the first freeze: the cgroup strategy when that
 * container's freezer file is writable, else runc when its binary and state root answer (`runc --root <root> list`),
 * else the engine's pause. On Podman runc keeps its state elsewhere (`FreezerConfig.podmanRuncRoot`), so there
 * `auto` asks runc at that root unless another root than Docker's default is configured. The decision is logged and
 * visible as `strategy`.
 *
 * The cgroup and runc strategies work on the engine's processes, so they need the engine on this machine: for an
 * engine whose endpoint is not local (a tcp or ssh `DOCKER_HOST` that is not a loopback address), `auto` uses the
 * engine's pause from the start, and a forced `cgroup` or `runc` fails each freeze and thaw with a FreezerError
 * `NotLocal` naming `EFFECT_WHISK_FREEZER` (a pid from that engine's inspect would be some other process here).
 *
 * @since 0.1.0
 */
import { DockerEngine, Errors, Freezer, FreezerConfig, Runc } from "@effect-whisk/core"
import { Duration, Effect, Layer, Option, SynchronizedRef } from "effect"
import * as CgroupFreezer from "./CgroupFreezer.js"
import { runcFor } from "./internal/engineRunc.js"
import { spawnProcess } from "./internal/spawnProcess.js"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  Freezer.Service,
  never,
  FreezerConfig.FreezerConfig | DockerEngine.DockerEngine | Runc.Runc
> = Effect.gen(function*() {
  const config = yield* FreezerConfig.FreezerConfig
  const runc = yield* Runc.Runc
  const byRunc = Freezer.fromRunc(runc)
  const engine = yield* DockerEngine.DockerEngine
  const byEngine = Freezer.fromEngine(engine)
  const byCgroup = yield* CgroupFreezer.make
  const { mode } = config
  if (!engine.endpoint.local) {
    if (mode === "cgroup" || mode === "runc") {
      yield* Effect.logWarning(`EFFECT_WHISK_FREEZER=${mode} cannot work for the engine at ${engine.endpoint.url}: it is not on this machine`)
      return notLocal(mode, engine.endpoint.url)
    }
    if (mode === "auto") {
      yield* Effect.logInfo(`EFFECT_WHISK_FREEZER=auto chose engine: the engine at ${engine.endpoint.url} is not on this machine`)
      return { ...byEngine, mode }
    }
  }
  if (mode === "cgroup") return { ...byCgroup, mode }
  if (mode === "runc") return { ...byRunc, mode }
  if (mode === "engine") return { ...byEngine, mode }

  const runcAnswers = (root: string) =>
    spawnProcess(config.runc.binary, ["--root", root, "list", "--quiet"], Duration.toMillis(config.runc.timeouts.pause))
      .pipe(
        Effect.map(({ exitCode }) => exitCode === 0),
        Effect.orElseSucceed(() => false)
      )
  const decide = (target: Freezer.Target) =>
    Effect.gen(function*() {
      if (yield* byCgroup.usable(target)) return byCgroup
      const flavor = yield* engine.version.pipe(
        Effect.map((version) => version.flavor),
        Effect.orElseSucceed(() => "docker" as const)
      )
      const { root, runc: engineRunc } = yield* runcFor(flavor, config, runc)
      return (yield* runcAnswers(root)) ? (engineRunc === runc ? byRunc : Freezer.fromRunc(engineRunc)) : byEngine
    }).pipe(
      Effect.tap((chosen) =>
        Effect.flatMap(chosen.strategy, (strategy) =>
          Effect.logInfo(`EFFECT_WHISK_FREEZER=auto chose ${Option.getOrElse(strategy, () => "?")}`)))
    )
  const chosen = yield* SynchronizedRef.make(Option.none<Freezer.Service>())
  const choose = (target: Freezer.Target) =>
    SynchronizedRef.modifyEffect(chosen, (current) =>
      Option.match(current, {
        onSome: (freezer) => Effect.succeed([freezer, current] as const),
        onNone: () => Effect.map(decide(target), (freezer) => [freezer, Option.some(freezer)] as const)
      }))
  // Once decided, the choice is read without the lock.
  const using = (operation: "freeze" | "thaw") => (target: Freezer.Target): Effect.Effect<void, Freezer.FreezeError> =>
    Effect.flatMap(SynchronizedRef.get(chosen), (current) =>
      Option.isSome(current)
        ? current.value[operation](target)
        : Effect.flatMap(choose(target), (freezer) => freezer[operation](target)))

  return {
    mode,
    strategy: Effect.flatMap(SynchronizedRef.get(chosen), (current) =>
      Option.match(current, { onNone: () => Effect.succeedNone, onSome: (freezer) => freezer.strategy })),
    freeze: using("freeze"),
    thaw: using("thaw")
  } satisfies Freezer.Service
})

const notLocal = (strategy: "cgroup" | "runc", endpoint: string): Freezer.Service => {
  const fail = (operation: "freeze" | "thaw") => (target: Freezer.Target) =>
    Effect.fail(new Errors.FreezerError({ operation, containerId: target.id, reason: "NotLocal", strategy, endpoint }))
  return { mode: strategy, strategy: Effect.succeedSome(strategy), freeze: fail("freeze"), thaw: fail("thaw") }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  Freezer.Freezer,
  never,
  FreezerConfig.FreezerConfig | DockerEngine.DockerEngine | Runc.Runc
> = Layer.effect(Freezer.Freezer, make)
