// The live ContainerHttp client's timeouts (B18, F17): the timeout is a deadline for the whole call, not a socket
// inactivity timeout, and each call on one client keeps its own timeout (the original fixed the first call's).
import { ByteSize, ContainerHttp } from "@effect-whisk/core"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either } from "effect"
import type * as http from "node:http"
import { testServer } from "./support/testServer.js"

const options = (timeout: Duration.DurationInput): ContainerHttp.PostOptions => ({
  timeout: Duration.decode(timeout),
  maxResponse: ByteSize.megabytes(1),
  truncation: ByteSize.megabytes(1),
  retry: false,
  reschedule: false
})

const elapsedMillis = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const result = yield* self
    return [result, (yield* Clock.currentTimeMillis) - start] as const
  })

const failureTag = <A>(result: Either.Either<A, { readonly _tag: string }>) =>
  Either.match(result, { onLeft: (error) => error._tag, onRight: () => "Right" })

/** Announces `total` bytes, then sends one every `everyMillis` until the client goes away. */
const trickle = (total: number, everyMillis: number, sent: { bytes: number }) =>
(_request: unknown, response: http.ServerResponse) => {
  response.writeHead(200, { "content-type": "application/json", "content-length": String(total) })
  const timer = setInterval(() => {
    if (response.destroyed || sent.bytes >= total) return clearInterval(timer)
    response.write("x")
    sent.bytes++
  }, everyMillis)
  response.once("close", () => clearInterval(timer))
}

const layer = ContainerHttpClient.layerWith({ retryInterval: "50 millis" })

describe("ContainerHttpClient deadlines (live, node:http)", () => {
  it.scopedLive("a server that trickles one byte every 100 ms still times out at the deadline", () =>
    Effect.gen(function*() {
      // The whole answer would take 60 s; a socket inactivity timeout of 500 ms would never fire.
      const sent = { bytes: 0 }
      const server = yield* testServer(trickle(600, 100, sent))
      const client = yield* Effect.flatMap(ContainerHttp.ContainerHttp, (service) => service.open(server.address, { maxConcurrent: 1 }))
      const [result, millis] = yield* elapsedMillis(Effect.either(client.post("/run", {}, options("500 millis"))))
      assert.strictEqual(failureTag(result), "Timeout")
      assert.isAbove(sent.bytes, 0, "the server had started answering")
      assert.isAtLeast(millis, 500)
      // Far less than the 60 s the trickle takes: the deadline, not the end of the answer, ended the call.
      assert.isBelow(millis, 30_000)
    }).pipe(Effect.provide(layer)))

  it.scopedLive("each call on one client keeps its own timeout: a long successful call, then a short one that fails at its own", () =>
    Effect.gen(function*() {
      const server = yield* testServer((request, response) => {
        if (request.path === "/slow") {
          setTimeout(() => {
            response.writeHead(200, { "content-type": "application/json", "content-length": "2" })
            response.end("{}")
          }, 700)
        }
        // Any other path never answers.
      })
      const client = yield* Effect.flatMap(ContainerHttp.ContainerHttp, (service) => service.open(server.address, { maxConcurrent: 1 }))
      const slow = yield* Effect.either(client.post("/slow", {}, options("20 seconds")))
      assert.strictEqual(failureTag(slow), "Right", "the first call, 700 ms long, is within its 20 s")
      const [short, millis] = yield* elapsedMillis(Effect.either(client.post("/never", {}, options("300 millis"))))
      assert.strictEqual(failureTag(short), "Timeout")
      assert.isAtLeast(millis, 300)
      // Had the client kept the first call's 20 s, this call would have lasted 20 s.
      assert.isBelow(millis, 15_000)
    }).pipe(Effect.provide(layer)))
})
