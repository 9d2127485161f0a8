/**
 * The live DockerEngine: dockerode over the engine API (no `docker` CLI). The engine is found as the docker CLI
 * finds it: `DOCKER_HOST` (unix socket, tcp, tls with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`), else the default
 * socket. Every call has its timeout from EngineConfig (D1) and is cancelled when interrupted.
 *
 * A container's logs (`logSource`) are its json-file log read from this machine's disk, or the engine's log stream
 * (`internal/engineLogStream.ts`) where that file is out of reach: `EngineConfig.logSource` (`EFFECT_WHISK_LOG_SOURCE`)
 * chooses `file`, `api`, or `auto` (the file when the driver is json-file and the file is readable here).
 *
 * @since 0.1.0
 */
import {
  ContainerId,
  ContainerOwner,
  ContainerSpec,
  DockerEngine,
  EngineConfig,
  Errors,
  ImageName,
  LogSource
} from "@effect-whisk/core"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type Docker from "dockerode"
import { Cause, type Duration, Effect, Either, Exit, Fiber, Layer, Option, Ref, type Scope, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { accessSync, constants, existsSync } from "node:fs"
import { hostname } from "node:os"
import type { Readable } from "node:stream"
import { actionPortKey, addressOf, chooseStrategy, endpointOf, publishedHostIp } from "./internal/addressing.js"
import { inBackground, removeByNameInBackground, removeInBackground, track } from "./internal/background.js"
import { startExitStatus, toCreateOptions } from "./internal/createOptions.js"
import * as DockerodeModule from "./internal/dockerodeModule.js"
import { checkedId, engineCall, mayHaveActed, timeoutError, toEngineError } from "./internal/engineCall.js"
import { withoutRedirects } from "./internal/engineClient.js"
import { engineLogStream } from "./internal/engineLogStream.js"
import { flavorOf, killedForMemory } from "./internal/engineFlavor.js"
import * as LogPaths from "./internal/logPaths.js"
import { pullEvents } from "./internal/pullProgress.js"
import { limitRuns } from "./internal/runLimit.js"
import { sharePulls } from "./internal/sharedPulls.js"

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * The container's json-file log when it can be read here: the json-file driver, and a Docker log file (`<id>-json.log`;
 * Podman names its log `ctr.log` and writes it in the CRI format whatever the inspect says) that this process may
 * read (the engine is on this machine and the file is ours to read). Else undefined: the engine's stream.
 */
const readableJsonFile = (info: Docker.ContainerInspectInfo): string | undefined => {
  const path = info.LogPath
  const driver = info.HostConfig?.LogConfig?.Type
  if (typeof path !== "string" || !path.endsWith("-json.log") || (driver !== undefined && driver !== "json-file")) {
    return undefined
  }
  try {
    accessSync(path, constants.R_OK)
    return path
  } catch {
    return undefined
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The engine's flavor when the caller knows it; otherwise the engine's version answer tells it, asked once, when
   * the first create, state or log source needs it (building the layer contacts nothing).
   */
  readonly flavor?: DockerEngine.EngineFlavor
}

/**
 * A DockerEngine over the given dockerode client, without the run limit and pull sharing (`decorate` adds them).
 * The client's requests refuse redirects. When the Scope closes, the removals the engine runs in the background
 * are awaited (up to the cleanup timeout). Docker and Podman's Docker-compatible service are both driven through
 * it; where they differ (the create's nproc limit, the address, OOM kills, the log file) the flavor decides.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  client: Docker,
  options: Options = {}
): Effect.Effect<DockerEngine.Service, never, EngineConfig.EngineConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const docker = withoutRedirects(client)
    const config = yield* EngineConfig.EngineConfig
    const { timeouts } = config
    const logPaths = yield* LogPaths.make()
    const endpoint = endpointOf(client)
    // Decided once per network, at its first container (the network comes with each spec), and logged.
    const strategyFor = yield* Effect.cachedFunction(chooseStrategy(docker, endpoint, config.address, timeouts.inspect))
    const publishOn = { port: actionPortKey, hostIp: publishedHostIp(endpoint) }

    // The first answer is kept: an engine does not change its version or flavor under a running layer.
    const known = yield* Ref.make(Option.none<DockerEngine.EngineVersion>())
    const version = Effect.flatMap(Ref.get(known), (current) =>
      Option.isSome(current)
        ? Effect.succeed(current.value)
        : engineCall(
          "version",
          undefined,
          timeouts.version,
          (signal) => (docker.version as (options: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>)({ abortSignal: signal })
        ).pipe(
          Effect.map((answer): DockerEngine.EngineVersion => ({
            version: answer.Version,
            apiVersion: answer.ApiVersion,
            flavor: flavorOf(answer)
          })),
          Effect.tap((answer) => Ref.set(known, Option.some(answer)))
        ))
    const flavor: Effect.Effect<DockerEngine.EngineFlavor, Errors.DockerEngineError> = options.flavor === undefined
      ? Effect.map(version, (answer) => answer.flavor)
      : Effect.succeed(options.flavor)

    // Every call that names a container in its request path checks the id or name first.
    const inspect = (id: ContainerId.ContainerId) =>
      Effect.flatMap(checkedId("inspect", id), (checked) =>
        engineCall("inspect", checked, timeouts.inspect, (signal) => docker.getContainer(checked).inspect({ abortSignal: signal })))

    const remove = (idOrName: string) =>
      Effect.flatMap(checkedId("remove", idOrName), (checked) =>
        engineCall(
          "remove",
          checked,
          timeouts.rm,
          (signal) => docker.getContainer(checked).remove({ force: true, abortSignal: signal })
        ).pipe(Effect.asVoid, Effect.ensuring(logPaths.forget(checked))))

    // Removals in the background finish before the Scope (the layer) closes, within the cleanup timeout.
    yield* track(remove, config.cleanupTimeout)

    const owner: ContainerOwner.ContainerOwner = {
      instance: Option.getOrElse(config.owner, () => randomBytes(8).toString("hex")),
      host: hostname(),
      pid: process.pid
    }
    const ownerLabels = ContainerOwner.labels(owner)

    // The owner's labels win over the caller's: a cleanup must be able to tell whose a container is.
    const create = (options: ContainerSpec.ContainerSpec) =>
      Effect.flatMap(Effect.zip(flavor, strategyFor(options.network)), ([engineFlavor, strategy]) =>
        engineCall("create", options.image, timeouts.run, (signal) => {
          const createOptions = toCreateOptions(
            engineFlavor === "podman" ? ContainerSpec.withPodmanLimits(options) : options,
            strategy === "published" ? Option.some(publishOn) : Option.none()
          )
          return docker.createContainer({
            ...createOptions,
            Labels: { ...createOptions.Labels, ...ownerLabels },
            abortSignal: signal
          })
        }))

    // A create that got no answer may still make the container: remove it by name (the lifecycle always names).
    const removeIfMade = (name: string | undefined) => (error: Errors.DockerEngineError) =>
      mayHaveActed(error) && name !== undefined ? removeByNameInBackground(remove, name) : Effect.void

    // Once the engine was asked to create, the answer is awaited in a daemon fiber, whoever interrupts the caller:
    // a container made after the caller left is removed as soon as its id is known. So is the start: a start whose
    // request is aborted while the engine starts the container, followed by a forced remove, wedged Docker 20.10
    // here (runc create and runc init waiting on each other, the engine's calls on that container hanging until
    // dockerd was restarted); an interrupted caller leaves at once and the start's end is awaited before the remove.
    const createAndStart = (options: ContainerSpec.ContainerSpec) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const name = Option.getOrUndefined(options.name)
          const creating = yield* Effect.forkDaemon(Effect.interruptible(create(options)))
          const afterInterrupt = Effect.flatMap(Fiber.await(creating), (exit) =>
            Exit.isSuccess(exit)
              ? removeInBackground(remove, exit.value.id)
              : Option.match(Cause.failureOption(exit.cause), { onNone: () => Effect.void, onSome: removeIfMade(name) }))
          const container = yield* restore(Fiber.join(creating)).pipe(
            Effect.onInterrupt(() => inBackground(remove, afterInterrupt)),
            Effect.tapError(removeIfMade(name))
          )
          const id = ContainerId.make(container.id)
          const starting = yield* Effect.forkDaemon(Effect.interruptible(
            engineCall("start", id, timeouts.run, (signal) => container.start({ abortSignal: signal }))
          ))
          yield* restore(Fiber.join(starting)).pipe(
            Effect.onInterrupt(() => inBackground(remove, Effect.zipRight(Fiber.await(starting), removeInBackground(remove, id)))),
            Effect.mapError((error) =>
              new Errors.BrokenContainer({
                containerId: id,
                image: options.image,
                exitStatus: startExitStatus(error.description ?? error.message),
                cause: error
              })
            )
          )
          return id
        })
      )

    const address = (id: ContainerId.ContainerId, network: string, info: Docker.ContainerInspectInfo) =>
      Effect.flatMap(strategyFor(network), (strategy) => addressOf(strategy, endpoint, id, network, info))

    const inspectAddress = (id: ContainerId.ContainerId, network: string) =>
      Effect.flatMap(inspect(id), (info) => address(id, network, info))

    const inspectStarted = (id: ContainerId.ContainerId, network: string) =>
      Effect.flatMap(inspect(id), (info) =>
        Effect.map(address(id, network, info), (found) => ({ address: found, pid: info.State?.Pid ?? 0 })))

    const state = (id: ContainerId.ContainerId) =>
      Effect.flatMap(inspect(id), (info) =>
        Effect.map(flavor, (engineFlavor): DockerEngine.ContainerState => ({
          status: info.State?.Status ?? "unknown",
          running: info.State?.Running === true,
          oomKilled: killedForMemory(engineFlavor, info),
          exitCode: typeof info.State?.ExitCode === "number" ? info.State.ExitCode : 0
        })))

    const summaries = (containers: ReadonlyArray<Docker.ContainerInfo>) =>
      containers.map((container): DockerEngine.ContainerSummary => ({
        id: ContainerId.make(container.Id),
        names: (container.Names ?? []).map((name) => name.replace(/^\//, "")),
        image: container.Image,
        state: container.State,
        labels: container.Labels ?? {}
      }))

    const listOwned = engineCall("list", ContainerOwner.labelKeys.instance, timeouts.ps, (signal) =>
      docker.listContainers({ all: true, filters: { label: [ContainerOwner.labelKeys.instance] }, abortSignal: signal }))
      .pipe(Effect.map(summaries))

    const list = (namePrefix: string) =>
      engineCall("list", namePrefix, timeouts.ps, (signal) =>
        docker.listContainers({
          all: true,
          // Docker's names start with "/", Podman's do not.
          filters: { name: [`^/?${escapeRegExp(namePrefix)}`] },
          abortSignal: signal
        })).pipe(
          Effect.map((containers) =>
            summaries(containers)
              // The engine's name filter is a regular expression on any part of the name; only a prefix counts here.
              .filter((container) => container.names.some((name) => name.startsWith(namePrefix)))
          )
        )

    const hasImage = (image: string) => Effect.map(imageLabels(docker, image, timeouts.inspect), Option.isSome)

    const pull = (image: string): Stream.Stream<DockerEngine.PullEvent, Errors.DockerEngineError> =>
      Stream.unwrapScoped(
        Effect.map(
          Effect.acquireRelease(
            // acquireRelease makes the acquire uninterruptible; the request must still be cancellable.
            Effect.interruptible(engineCall("pull", image, timeouts.pull, (signal) =>
              docker.pull(image, { abortSignal: signal }) as Promise<Readable>)),
            (readable) => Effect.sync(() => readable.destroy())
          ),
          (readable) =>
            NodeStream.fromReadable(() => readable, (cause) => toEngineError("pull", image, cause)).pipe(
              pullEvents(image)
            )
        )
      ).pipe(
        Stream.interruptWhen(Effect.zipRight(Effect.sleep(timeouts.pull), Effect.fail(timeoutError("pull", image, timeouts.pull))))
      )

    const logPath = (id: ContainerId.ContainerId) =>
      Effect.flatMap(inspect(id), (info) =>
        typeof info.LogPath === "string" && info.LogPath.length > 0
          ? Effect.succeed(info.LogPath)
          : Effect.fail(new Errors.LogFileError({ path: "", reason: "NotFound", cause: `container ${id} has no json-file log` })))

    // A kept path whose file is gone (the container was removed another way) is looked up again: the collection
    // reads the file without the engine.
    const logFile = (id: ContainerId.ContainerId) =>
      Effect.flatMap(logPaths.get(id, logPath(id)), (path) =>
        existsSync(path)
          ? Effect.succeed(LogSource.jsonFile(path))
          : Effect.zipRight(logPaths.forget(id), Effect.map(logPaths.get(id, logPath(id)), LogSource.jsonFile)))

    // Podman's `tail` joins partial lines differently from its other answers (LogSource.EngineStream.tail): the
    // engine's flavor, known once per engine, says whether it can be used; an engine that does not answer is not
    // trusted with it.
    const tailTrusted = Effect.orElseSucceed(Effect.map(flavor, (engineFlavor) => engineFlavor === "docker"), () => false)
    const logStream = (id: ContainerId.ContainerId) =>
      Effect.map(tailTrusted, (tail) => engineLogStream(docker, timeouts.logs, tail)(id))

    // auto: one inspect per container decides, and is kept as the paths are (an empty path: the engine's stream).
    const logChoice = (id: ContainerId.ContainerId) =>
      Effect.map(inspect(id), (info) => readableJsonFile(info) ?? "")

    // Podman writes its log file in the CRI k8s-file format even when the inspect echoes json-file: the json-file
    // reader must never get it. With `file` it is refused; `auto` reads Podman's logs through the engine API.
    const podmanFile = (id: ContainerId.ContainerId) =>
      Effect.flatMap(logPath(id), (path) =>
        Effect.fail(
          new Errors.LogFileError({
            path,
            reason: "Unreadable",
            cause: `container ${id} runs on Podman, whose log file is in the CRI k8s-file format, not json-file; ` +
              `read its logs through the engine API (EFFECT_WHISK_LOG_SOURCE=api or auto)`
          })
        ))

    const logSource = (id: ContainerId.ContainerId) => {
      switch (config.logSource) {
        case "file":
          return Effect.flatMap(Effect.zipRight(checkedId("inspect", id), flavor), (engineFlavor) =>
            engineFlavor === "podman" ? podmanFile(id) : logFile(id))
        case "api":
          return Effect.flatMap(checkedId("logs", id), logStream)
        case "auto": {
          const chosen = (path: string) => path === "" ? logStream(id) : Effect.succeed(LogSource.jsonFile(path))
          // A kept file that is gone is decided again, as `file` looks its path up again.
          return Effect.flatMap(logPaths.get(id, logChoice(id)), (path) =>
            path === "" || existsSync(path)
              ? chosen(path)
              : Effect.zipRight(logPaths.forget(id), Effect.flatMap(logPaths.get(id, logChoice(id)), chosen)))
        }
      }
    }

    return {
      owner,
      endpoint,
      addressStrategy: strategyFor,
      version,
      createAndStart,
      inspectAddress,
      inspectStarted,
      state,
      pause: (id) =>
        Effect.flatMap(checkedId("pause", id), (checked) =>
          engineCall("pause", checked, timeouts.pause, (signal) => docker.getContainer(checked).pause({ abortSignal: signal })))
          .pipe(Effect.asVoid),
      unpause: (id) =>
        Effect.flatMap(checkedId("unpause", id), (checked) =>
          engineCall("unpause", checked, timeouts.unpause, (signal) =>
            docker.getContainer(checked).unpause({ abortSignal: signal })))
          .pipe(Effect.asVoid),
      remove,
      list,
      listOwned,
      hasImage,
      pull,
      logSource
    }
  })

/**
 * Adds the fair run limit (B38, `EngineConfig.parallelRuns`) and the sharing of concurrent pulls (B40) to any engine.
 *
 * @since 0.1.0
 * @category combinators
 */
export const decorate = (
  engine: DockerEngine.Service
): Effect.Effect<DockerEngine.Service, never, EngineConfig.EngineConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* EngineConfig.EngineConfig
    return yield* Effect.flatMap(sharePulls(engine), limitRuns(config.parallelRuns))
  })

/**
 * A dockerode client for the engine `DOCKER_HOST` names (as the docker CLI), or the default socket.
 *
 * @since 0.1.0
 * @category constructors
 */
export const client: Effect.Effect<Docker, Errors.DockerEngineError> = Effect.try({
  try: () => DockerodeModule.load(),
  catch: (cause) =>
    new Errors.DockerEngineError({
      operation: "connect",
      reason: "Unavailable",
      description: `cannot load dockerode, a dependency of @effect-whisk/docker (${
        cause instanceof Error ? cause.message : String(cause)
      }): install the package's dependencies again`,
      cause
    })
}).pipe(Effect.flatMap((Dockerode) =>
  Effect.try({
    try: () => new Dockerode(),
    catch: (cause) =>
      new Errors.DockerEngineError({
        operation: "connect",
        ...(process.env.DOCKER_HOST === undefined ? {} : { target: process.env.DOCKER_HOST }),
        reason: "Unavailable",
        description: `cannot use the engine DOCKER_HOST names: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })
))

/**
 * The labels of `image` on the engine the client reaches, or None when there is no such image: one inspect (dialled
 * as a request of its own: dockerode's image inspect does not pass an abort signal on), within
 * `timeout`, cancelled when interrupted. What the command's runtime image check reads its inputs-hash label with
 * (a few milliseconds, where starting the docker CLI for it took tens).
 *
 * @since 0.1.0
 * @category constructors
 */
export const imageLabels = (
  docker: Docker,
  image: string,
  timeout: Duration.Duration = EngineConfig.defaults.timeouts.inspect
): Effect.Effect<Option.Option<Readonly<Record<string, string>>>, Errors.DockerEngineError> =>
  Either.isLeft(ImageName.parse(image))
    ? Effect.fail(
      new Errors.DockerEngineError({
        operation: "inspectImage",
        target: image,
        reason: "InvalidId",
        description: `${JSON.stringify(image)} is not an image reference`
      })
    )
    : engineCall("inspectImage", image, timeout, (signal) =>
      new Promise<Docker.ImageInspectInfo>((resolve, reject) =>
        withoutRedirects(docker).modem.dial(
          {
            path: `/images/${image}/json`,
            method: "GET",
            options: {},
            abortSignal: signal,
            statusCodes: { 200: true, 404: "no such image", 500: "server error" }
          },
          (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as Docker.ImageInspectInfo))
        )
      )).pipe(
        Effect.map((info) => Option.some(info.Config?.Labels ?? {})),
        Effect.catchIf((error) => error.reason === "NotFound", () => Effect.succeedNone)
      )

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  DockerEngine.Service,
  Errors.DockerEngineError,
  EngineConfig.EngineConfig | Scope.Scope
> = Effect.flatMap(client, makeWith).pipe(Effect.flatMap(decorate))

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  DockerEngine.DockerEngine,
  Errors.DockerEngineError,
  EngineConfig.EngineConfig
> = Layer.scoped(DockerEngine.DockerEngine, make)

/**
 * The engine over a given dockerode client (another socket, a proxy), decorated as `layer` is.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithClient = (
  docker: Docker
): Layer.Layer<DockerEngine.DockerEngine, never, EngineConfig.EngineConfig> =>
  Layer.scoped(DockerEngine.DockerEngine, Effect.flatMap(makeWith(docker), decorate))

/**
 * The engine's log stream of a container over a dockerode client, whatever `EngineConfig.logSource` chooses for
 * activation logs: what the development log store (`EngineLogStore`, B33) reads. Each request has `timeout` to
 * answer (`EngineConfig.timeouts.logs`); `tail` says whether the engine's `tail` can be trusted (Docker's can,
 * Podman 4.3's cannot; the store does not use it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const logStream = (
  docker: Docker,
  id: ContainerId.ContainerId,
  timeout: Duration.Duration = EngineConfig.defaults.timeouts.logs,
  tail = false
): LogSource.EngineStream => engineLogStream(withoutRedirects(docker), timeout, tail)(id)
