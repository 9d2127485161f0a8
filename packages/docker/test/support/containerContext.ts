// A ContainerContext built by hand from the test layers, to test initialize and run without the lifecycle.
import { type Container, ContainerAddress, ContainerHttp, ContainerId, DockerEngine, Runc, WhiskConfig } from "@effect-whisk/core"
import { Effect, Option, Ref, SubscriptionRef, SynchronizedRef } from "effect"
import type { ContainerContext } from "../../src/internal/state.js"

export const testContext = (
  config: WhiskConfig.Shape = WhiskConfig.defaults
): Effect.Effect<ContainerContext, never, DockerEngine.DockerEngine | Runc.Runc | ContainerHttp.ContainerHttp> =>
  Effect.gen(function*() {
    return {
      id: ContainerId.make("testId"),
      address: ContainerAddress.make("testIp"),
      image: "image",
      useRunc: true,
      engine: yield* DockerEngine.DockerEngine,
      runc: yield* Runc.Runc,
      http: yield* ContainerHttp.ContainerHttp,
      config,
      client: yield* SynchronizedRef.make(Option.none<ContainerHttp.ContainerClient>()),
      clientSettings: yield* Ref.make({ timeout: config.http.defaultTimeout, maxConcurrent: config.http.defaultMaxConcurrent }),
      state: yield* SubscriptionRef.make<Container.State>("Running"),
      logsLock: yield* Effect.makeSemaphore(1),
      logOffset: yield* Ref.make(0)
    }
  })
