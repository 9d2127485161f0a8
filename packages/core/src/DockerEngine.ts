/**
 * The Docker engine, as effect-whisk needs it. The live Layer (dockerode over the engine API) is in
 * `@effect-whisk/docker`; `layerTest` records calls and lets a test script the answers.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import * as ContainerAddress from "./ContainerAddress.js"
import type { ContainerId } from "./ContainerId.js"
import * as ContainerIdModule from "./ContainerId.js"
import type * as ContainerOwner from "./ContainerOwner.js"
import type { BrokenContainer, DockerEngineError, LogFileError } from "./Errors.js"
import { type CallLog, recording } from "./internal/callLog.js"
import type { ContainerSpec } from "./ContainerSpec.js"
import * as EngineEndpoint from "./EngineEndpoint.js"
import * as LogSource from "./LogSource.js"

/**
 * Which engine answers the Docker engine API: Docker itself, or Podman's Docker-compatible service. They differ where
 * effect-whisk looks: the create's limits, where the address is, how an OOM kill shows, where runc keeps its state,
 * the log file's format and the error bodies.
 *
 * @since 0.1.0
 * @category models
 */
export type EngineFlavor = "docker" | "podman"

/**
 * @since 0.1.0
 * @category models
 */
export interface EngineVersion {
  readonly version: string
  readonly apiVersion: string
  /** Told by the version's components (Podman names itself "Podman Engine"). */
  readonly flavor: EngineFlavor
}

/**
 * What the engine's inspect right after the start says: where the action answers, and the container's init process
 * (whose cgroup the cgroup freezer writes).
 *
 * @since 0.1.0
 * @category models
 */
export interface StartedContainer {
  readonly address: ContainerAddress.ContainerAddress
  readonly pid: number
}

/**
 * What the engine's inspect says about a container's process.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerState {
  /** created, running, paused, restarting, removing, exited or dead */
  readonly status: string
  readonly running: boolean
  readonly oomKilled: boolean
  readonly exitCode: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ContainerSummary {
  readonly id: ContainerId
  readonly names: ReadonlyArray<string>
  readonly image: string
  readonly state: string
  readonly labels: Readonly<Record<string, string>>
}

/**
 * One event of a pull's progress stream, as the engine reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PullEvent {
  readonly status: string
  readonly id?: string
  readonly progress?: string
  readonly current?: number
  readonly total?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The owner this engine puts on every container it creates (as labels, see ContainerOwner). */
  readonly owner: ContainerOwner.ContainerOwner
  /** Where the engine answers, and whether that is this machine (the freezer's cgroup and runc need it). */
  readonly endpoint: EngineEndpoint.EngineEndpoint
  /**
   * How containers on a network are reached (`EFFECT_WHISK_ADDRESS`; for `auto`, decided at the network's first
   * container, or here, and kept).
   */
  readonly addressStrategy: (network: string) => Effect.Effect<ContainerAddress.Strategy>
  /** Asked once: after its first answer the engine's version (and flavor) is known for the layer's lifetime. */
  readonly version: Effect.Effect<EngineVersion, DockerEngineError>
  /** Creates and starts a container. A container that was created but did not start is a BrokenContainer. */
  readonly createAndStart: (spec: ContainerSpec) => Effect.Effect<ContainerId, DockerEngineError | BrokenContainer>
  readonly inspectAddress: (id: ContainerId, network: string) => Effect.Effect<ContainerAddress.ContainerAddress, DockerEngineError>
  /** The address and the init process's pid, from one inspect. */
  readonly inspectStarted: (id: ContainerId, network: string) => Effect.Effect<StartedContainer, DockerEngineError>
  readonly state: (id: ContainerId) => Effect.Effect<ContainerState, DockerEngineError>
  readonly pause: (id: ContainerId) => Effect.Effect<void, DockerEngineError>
  readonly unpause: (id: ContainerId) => Effect.Effect<void, DockerEngineError>
  /** Removes a container by id or name, with force. */
  readonly remove: (idOrName: string) => Effect.Effect<void, DockerEngineError>
  /** All containers (running or not) whose name starts with the prefix. */
  readonly list: (namePrefix: string) => Effect.Effect<ReadonlyArray<ContainerSummary>, DockerEngineError>
  /** All containers (running or not) that carry an owner label: every effect-whisk container, whoever owns it. */
  readonly listOwned: Effect.Effect<ReadonlyArray<ContainerSummary>, DockerEngineError>
  /** Whether the engine has this image locally (an inspect; nothing is pulled). */
  readonly hasImage: (image: string) => Effect.Effect<boolean, DockerEngineError>
  /** Pulls an image; the stream ends when the pull is complete and fails on an error inside the progress. */
  readonly pull: (image: string) => Stream.Stream<PullEvent, DockerEngineError>
  /**
   * Where a container's logs come from: its json-file log on this machine, or the engine's log stream (as
   * `EngineConfig.logSource` chooses); `@effect-whisk/logs` reads them.
   */
  readonly logSource: (id: ContainerId) => Effect.Effect<LogSource.LogSource, DockerEngineError | LogFileError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class DockerEngine extends Context.Tag("@effect-whisk/core/DockerEngine")<DockerEngine, Service>() {}

/**
 * The calls a test DockerEngine received.
 *
 * @since 0.1.0
 * @category testing
 */
export class DockerEngineCalls extends Context.Tag("@effect-whisk/core/DockerEngine/Calls")<DockerEngineCalls, CallLog>() {}

/**
 * OpenWhisk's test defaults: the owner is `test-owner` on `test-host`, createAndStart gives `testId`, inspect gives
 * `testIp`, the container runs and was not OOM-killed, every image is there, pulls succeed, lists are empty, and every container's log is an
 * empty scripted one.
 *
 * @since 0.1.0
 * @category testing
 */
export const testDefaults: Service = {
  owner: { instance: "test-owner", host: "test-host", pid: 1 },
  endpoint: EngineEndpoint.socket("/var/run/docker.sock"),
  addressStrategy: () => Effect.succeed("bridge"),
  version: Effect.succeed({ version: "mock-test-client", apiVersion: "1.41", flavor: "docker" }),
  createAndStart: () => Effect.succeed(ContainerIdModule.make("testId")),
  inspectAddress: () => Effect.succeed(ContainerAddress.make("testIp")),
  inspectStarted: () => Effect.succeed({ address: ContainerAddress.make("testIp"), pid: 0 }),
  state: () => Effect.succeed({ status: "running", running: true, oomKilled: false, exitCode: 0 }),
  pause: () => Effect.void,
  unpause: () => Effect.void,
  remove: () => Effect.void,
  list: () => Effect.succeed([]),
  listOwned: Effect.succeed([]),
  hasImage: () => Effect.succeed(true),
  pull: () => Stream.empty,
  logSource: () => Effect.succeed(LogSource.empty)
}

/**
 * A DockerEngine for tests: `testDefaults` with the given methods replaced, recording every call in
 * `DockerEngineCalls`. Build it fresh for each test. Unless replaced itself, `inspectStarted` answers with
 * `inspectAddress` (recorded as both) and pid 0.
 *
 * @since 0.1.0
 * @category testing
 */
export const layerTest = (overrides: Partial<Service> = {}): Layer.Layer<DockerEngine | DockerEngineCalls> =>
  Layer.effectContext(
    Effect.gen(function*() {
      const services: { current?: Service } = {}
      const inspectStarted: Service["inspectStarted"] = (id, network) =>
        Effect.suspend(() => services.current!.inspectAddress(id, network)).pipe(
          Effect.map((address) => ({ address, pid: 0 }))
        )
      const { log, service } = yield* recording<Service>({ ...testDefaults, inspectStarted, ...overrides })
      services.current = service
      return Context.make(DockerEngine, service).pipe(Context.add(DockerEngineCalls, log))
    })
  )
