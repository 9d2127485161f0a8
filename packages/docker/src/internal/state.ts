import type { Container, ContainerAddress, ContainerHttp, ContainerId, DockerEngine, Runc, WhiskConfig } from "@effect-whisk/core"
import type { Duration, Effect, Option, Ref, SubscriptionRef, SynchronizedRef } from "effect"

/**
 * Everything one container's operations share: its identity, the services captured at creation, and its mutable
 * state in Refs (safe under concurrent calls).
 *
 * @internal
 */
export interface ContainerContext {
  readonly id: ContainerId.ContainerId
  readonly address: ContainerAddress.ContainerAddress
  readonly image: string
  readonly useRunc: boolean
  readonly engine: DockerEngine.Service
  readonly runc: Runc.Service
  readonly http: ContainerHttp.Service
  readonly config: WhiskConfig.Shape
  /** The open HTTP client, if any: closed on suspend, opened again on resume (B11, B12). */
  readonly client: SynchronizedRef.SynchronizedRef<Option.Option<ContainerHttp.ContainerClient>>
  /** The timeout and concurrency of the last initialize, used when resume opens a client (B12). */
  readonly clientSettings: Ref.Ref<{ readonly timeout: Duration.Duration; readonly maxConcurrent: number }>
  /** Running, Suspended or Destroyed; suspend, resume and destroy change it one at a time. */
  readonly state: SubscriptionRef.SubscriptionRef<Container.State>
  /** Serialises log collections so they never interleave; the offset state lives in the logs module. */
  readonly logsLock: Effect.Semaphore
  /** Byte offset in the json-file log where the next collection starts. */
  readonly logOffset: Ref.Ref<number>
}
