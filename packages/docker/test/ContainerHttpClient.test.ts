// The live ContainerHttp client against a local node:http server (T58–T71, with short timeouts).
import { ActionHttpConfig, ByteSize, ContainerAddress, ContainerHttp, ContainerResponse } from "@effect-whisk/core"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Either, Exit, Fiber, Layer, Option, Schedule } from "effect"
import { spawn } from "node:child_process"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { answer, answerChunked, answerLarge, closedPort, type Handler, type Streamed, testServer } from "./support/testServer.js"

const limits = (maxResponse: number, truncation: number) => ({
  maxResponse: ByteSize.bytes(maxResponse),
  truncation: ByteSize.bytes(truncation)
})

const postOptions = (overrides: Partial<ContainerHttp.PostOptions> = {}): ContainerHttp.PostOptions => ({
  timeout: Duration.seconds(15),
  ...limits(1024 * 1024, 1024 * 1024),
  retry: false,
  reschedule: false,
  ...overrides
})

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url))

const retryEvery10ms = ContainerHttpClient.layerWith({ retryInterval: Duration.millis(10) })

/** Opens a client for the address with the live layer; the layer closes every client when the test's scope ends. */
const openClient = (address: ContainerAddress.ContainerAddress, maxConcurrent = 1) =>
  Effect.flatMap(ContainerHttp.ContainerHttp, (service) => service.open(address, { maxConcurrent }))

const post = (
  address: ContainerAddress.ContainerAddress,
  path: string,
  body: unknown,
  options: ContainerHttp.PostOptions
) => Effect.flatMap(openClient(address), (client) => Effect.either(client.post(path, body, options)))

const elapsed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const a = yield* self
    return [a, (yield* Clock.currentTimeMillis) - start] as const
  })

const never: Handler = () => {}

/** Waits until the server has seen something (the test's timeout bounds it). */
const eventually = (condition: () => boolean) =>
  Effect.repeat(Effect.sync(condition), { schedule: Schedule.spaced("5 millis"), until: (ok) => ok })

const assertResponse = (
  result: Either.Either<ContainerResponse.ContainerResponse, ContainerHttp.PostError>,
  expected: ContainerResponse.ContainerResponse
) => {
  assert.isTrue(Either.isRight(result), `expected a response, got ${String(Either.isLeft(result) && result.left._tag)}`)
  if (Either.isRight(result)) {
    assert.strictEqual(result.right.statusCode, expected.statusCode)
    assert.strictEqual(result.right.entity, expected.entity)
    assert.deepStrictEqual(
      Option.map(result.right.truncated, (t) => [t.length.bytes, t.max.bytes]),
      Option.map(expected.truncated, (t) => [t.length.bytes, t.max.bytes])
    )
  }
}

const failureTag = (result: Either.Either<unknown, { readonly _tag: string }>) =>
  Either.match(result, { onLeft: (error) => error._tag, onRight: () => "Right" })

describe("ContainerHttpClient (live, node:http)", () => {
  it.scopedLive("sends compact JSON with Accept and Content-Type application/json", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, "{}"))
      const result = yield* post(server.address, "/run", { value: { a: 1, b: "é" } }, postOptions())
      assertResponse(result, ContainerResponse.make(200, "{}"))
      const [request] = server.requests
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.path, "/run")
      assert.strictEqual(request?.headers["content-type"], "application/json")
      assert.strictEqual(request?.headers["accept"], "application/json")
      // No keep-alive: the server closes the connection after its answer.
      assert.strictEqual(request?.headers["connection"], "close")
      assert.strictEqual(request?.body, `{"value":{"a":1,"b":"é"}}`)
    }).pipe(Effect.provide(ContainerHttpClient.layerWith({ retryInterval: "50 millis" }))))

  it.scopedLive("an EncodedBody is sent as its text, with its length in bytes, without being encoded again", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, "{}"))
      const text = `{"value":{"b":"é"},"activation_id":"a1"}`
      const result = yield* post(server.address, "/run", ContainerHttp.encoded(text), postOptions())
      assertResponse(result, ContainerResponse.make(200, "{}"))
      const [request] = server.requests
      assert.strictEqual(request?.body, text)
      assert.strictEqual(request?.headers["content-length"], String(Buffer.byteLength(text)))
    }).pipe(Effect.provide(ContainerHttpClient.layerWith({ retryInterval: "50 millis" }))))

  it.scopedLive("T58/T66 a server that never answers: Timeout at the deadline, not before and not much after", () =>
    Effect.gen(function*() {
      const server = yield* testServer(never)
      const [result, millis] = yield* elapsed(post(server.address, "/init", {}, postOptions({
        timeout: Duration.millis(300),
        ...limits(1, 1),
        retry: true
      })))
      assert.strictEqual(failureTag(result), "Timeout")
      assert.isAtLeast(millis, 300)
      assert.isBelow(millis, 3000)
      // The abandoned request's socket is closed, not left open until the server gives up.
      yield* eventually(() => server.sockets.closed === server.sockets.accepted)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("T59/T67 an answer without an entity (204) is NoResponseReceived", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => {
        response.writeHead(204)
        response.end()
      })
      const result = yield* post(server.address, "/init", {}, postOptions())
      assert.strictEqual(failureTag(result), "NoResponseReceived")
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("T60/T68 a refused connection with retry is retried until the deadline, then Timeout", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const [result, millis] = yield* elapsed(post(ContainerAddress.make("127.0.0.1", port), "/init", {}, postOptions({
        timeout: Duration.millis(400),
        retry: true
      })))
      assert.strictEqual(failureTag(result), "Timeout")
      if (Either.isLeft(result) && result.left._tag === "Timeout") {
        assert.strictEqual(result.left.timeoutMillis, 400)
        assert.strictEqual((result.left.cause as NodeJS.ErrnoException | undefined)?.code, "ECONNREFUSED")
      }
      assert.isAtLeast(millis, 400)
      assert.isBelow(millis, 3000)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("T61/T69 a refused connection with reschedule is a ContainerHealthError (Unreachable)", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const result = yield* post(ContainerAddress.make("127.0.0.1", port), "/run", {}, postOptions({
        reschedule: true
      }))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "ContainerHealthError")
        if (result.left._tag === "ContainerHealthError") assert.strictEqual(result.left.reason, "Unreachable")
      }
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a refused connection without retry or reschedule is a ConnectionError at once", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const [result, millis] = yield* elapsed(post(ContainerAddress.make("127.0.0.1", port), "/run", {}, postOptions()))
      assert.strictEqual(failureTag(result), "ConnectionError")
      assert.isBelow(millis, 3000)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("T62 retries a refused connection until the server listens, within the deadline", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const address = ContainerAddress.make("127.0.0.1", port)
      const late = yield* Effect.fork(
        Effect.zipRight(Effect.sleep("300 millis"), testServer(answer(200, ""), port)).pipe(Effect.zipLeft(Effect.never))
      )
      const result = yield* post(address, "/init", {}, postOptions({ retry: true }))
      assertResponse(result, ContainerResponse.make(200, ""))
      yield* Fiber.interrupt(late)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a request that may have reached the action is never sent twice, even with retry", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => response.socket?.destroy())
      const result = yield* post(server.address, "/init", {}, postOptions({ retry: true }))
      assert.strictEqual(failureTag(result), "ConnectionError")
      assert.strictEqual(server.requests.length, 1)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("to a published port, a retried call waits for any answer to GET / while connections close unanswered, then posts once", () =>
    Effect.gen(function*() {
      // The engine's port forwarder while nothing listens in the container: it accepts, then closes.
      let closedUnanswered = 0
      const server = yield* testServer((request, response, self) => {
        if (closedUnanswered < 3) {
          closedUnanswered += 1
          response.socket?.destroy()
        } else {
          answer(request.method === "GET" ? 400 : 200, request.method === "GET" ? "" : "{\"ok\":true}")(request, response, self)
        }
      })
      const address = ContainerAddress.make("127.0.0.1", server.address.port, true)
      const result = yield* post(address, "/init", { value: 1 }, postOptions({ retry: true }))
      assertResponse(result, ContainerResponse.make(200, "{\"ok\":true}"))
      assert.deepStrictEqual(server.requests.map((request) => `${request.method} ${request.path}`), [
        "GET /",
        "GET /",
        "GET /",
        "GET /",
        "POST /init"
      ])
      // Without retry (a /run) the request goes out at once, and a connection closed unanswered is a ConnectionError.
      closedUnanswered = 0
      const run = yield* post(address, "/run", {}, postOptions())
      assert.strictEqual(failureTag(run), "ConnectionError")
      assert.strictEqual(server.requests.at(-1)?.path, "/run")
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a 503 answer is a ContainerHealthError (ShuttingDown)", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(503, `{"error":"shutting down"}`))
      const result = yield* post(server.address, "/run", {}, postOptions())
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "ContainerHealthError")
        if (result.left._tag === "ContainerHealthError") assert.strictEqual(result.left.reason, "ShuttingDown")
      }
    }).pipe(Effect.provide(retryEvery10ms)))

  // Answers that are never finished: only the client can close their sockets.
  const unfinished = (status: number, declared: number, written: string): Handler => (_request, response) => {
    response.writeHead(status, { "content-length": String(declared) })
    response.write(written)
  }

  it.scopedLive("a 503 answer whose body never ends leaves no socket open", () =>
    Effect.gen(function*() {
      const server = yield* testServer(unfinished(503, 1000, "shutting"))
      const result = yield* post(server.address, "/run", {}, postOptions())
      assert.strictEqual(failureTag(result), "ContainerHealthError")
      yield* eventually(() => server.sockets.closed === 1)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  it.scopedLive("an answer truncated to nothing, whose body never ends, leaves no socket open", () =>
    Effect.gen(function*() {
      const server = yield* testServer(unfinished(200, 1000, "abcdefghij"))
      const result = yield* post(server.address, "/run", {}, postOptions(limits(2, 0)))
      assertResponse(result, ContainerResponse.make(200, "", Option.some({ length: ByteSize.bytes(1000), max: ByteSize.bytes(2) })))
      yield* eventually(() => server.sockets.closed === 1)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  it.scopedLive("a small answer read whole leaves no socket open", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, `{"ok":true}`))
      const result = yield* post(server.address, "/run", {}, postOptions())
      assertResponse(result, ContainerResponse.make(200, `{"ok":true}`))
      yield* eventually(() => server.sockets.closed === 1)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  describe("T63/T70 answers within the limit are not truncated", () => {
    for (const status of [200, 500]) {
      for (const entity of [null, "", "abc", `{"a":"B"}`, `["a", "b"]`]) {
        it.scopedLive(`${status} ${JSON.stringify(entity)}`, () =>
          Effect.gen(function*() {
            const server = yield* testServer(answer(status, entity))
            const result = yield* post(server.address, "/init", {}, postOptions(limits(50, 50)))
            assertResponse(result, ContainerResponse.make(status, entity ?? ""))
          }).pipe(Effect.provide(retryEvery10ms)))
      }
    }
  })

  describe("T64/T71 answers over the limit are truncated", () => {
    for (const status of [200, 500]) {
      for (const entity of ["abc", `{"a":"B"}`, `["a", "b"]`]) {
        it.scopedLive(`${status} ${entity}`, () =>
          Effect.gen(function*() {
            const server = yield* testServer(answer(status, entity))
            const result = yield* post(server.address, "/init", {}, postOptions(limits(2, 1)))
            assertResponse(
              result,
              ContainerResponse.make(status, entity.slice(0, 1), Option.some({
                length: ByteSize.bytes(entity.length),
                max: ByteSize.bytes(2)
              }))
            )
          }).pipe(Effect.provide(retryEvery10ms)))
      }
    }
  })

  it.scopedLive("T65 a 1 MiB answer over a 300 KB limit keeps the first 299 bytes", () =>
    Effect.gen(function*() {
      const entity = "0".repeat(1024 * 1024)
      for (const status of [200, 500]) {
        const server = yield* testServer(answer(status, entity))
        const result = yield* post(server.address, "/run", {}, postOptions(limits(300 * 1024, 299)))
        assertResponse(
          result,
          ContainerResponse.make(status, "0".repeat(299), Option.some({
            length: ByteSize.bytes(1024 * 1024),
            max: ByteSize.kilobytes(300)
          }))
        )
      }
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("truncation never splits a multi-byte UTF-8 character", () =>
    Effect.gen(function*() {
      // "a" (1 byte), "é" (2), "€" (3), "𝄞" (4): every cut inside a character drops the whole character.
      const entity = "aé€𝄞"
      const expected = ["", "a", "a", "aé", "aé", "aé", "aé€", "aé€", "aé€", "aé€"]
      for (const [truncation, prefix] of expected.entries()) {
        const server = yield* testServer(answer(200, entity))
        const result = yield* post(server.address, "/run", {}, postOptions(limits(5, truncation)))
        assertResponse(
          result,
          ContainerResponse.make(200, prefix, Option.some({ length: ByteSize.bytes(10), max: ByteSize.bytes(5) }))
        )
      }
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a chunked answer without Content-Length is read (the original refused it)", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answerChunked(200, [`{"greeting":`, `"hello`, ` é"}`]))
      const result = yield* post(server.address, "/run", {}, postOptions(limits(50, 50)))
      assertResponse(result, ContainerResponse.make(200, `{"greeting":"hello é"}`))
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a chunked answer over the limit is truncated with its real length", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answerChunked(200, ["abcdef", "ghij", "klmnopqrstuvwxyz"]))
      const result = yield* post(server.address, "/run", {}, postOptions(limits(10, 4)))
      assertResponse(result, ContainerResponse.make(200, "abcd", Option.some({ length: ByteSize.bytes(26), max: ByteSize.bytes(10) })))
    }).pipe(Effect.provide(retryEvery10ms)))

  describe("a 50 MB answer with maxResponse 1 MB", () => {
    const total = 50 * 1024 * 1024
    // That the client holds no more than the limit is proven by counting the bytes it keeps (ResponseBody.test.ts);
    // these check the protocol side: what is read off the socket and what is answered.
    it.scopedLive("with Content-Length: 1 MB is kept, and the client stops reading long before the end", () =>
      Effect.gen(function*() {
        const progress: Streamed = { written: 0, finished: false }
        const server = yield* testServer(answerLarge(total, true, progress))
        const result = yield* post(server.address, "/run", {}, postOptions())
        assertResponse(
          result,
          ContainerResponse.make(200, "x".repeat(1024 * 1024), Option.some({
            length: ByteSize.bytes(total),
            max: ByteSize.megabytes(1)
          }))
        )
        yield* eventually(() => server.sockets.closed === 1)
        assert.isFalse(progress.finished)
        assert.isBelow(progress.written, total / 2)
      }).pipe(Effect.provide(retryEvery10ms)))

    it.scopedLive("without Content-Length: read to the end for its real length, 1 MB kept", () =>
      Effect.gen(function*() {
        const progress: Streamed = { written: 0, finished: false }
        const server = yield* testServer(answerLarge(total, false, progress))
        const result = yield* post(server.address, "/run", {}, postOptions({ timeout: Duration.seconds(45) }))
        assertResponse(
          result,
          ContainerResponse.make(200, "x".repeat(1024 * 1024), Option.some({
            length: ByteSize.bytes(total),
            max: ByteSize.megabytes(1)
          }))
        )
        assert.strictEqual(progress.written, total)
      }).pipe(Effect.provide(retryEvery10ms)), 60_000)
  })

  it.scopedLive("a server that closes the socket mid-answer gives a ConnectionError", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => {
        response.writeHead(200, { "content-length": "100" })
        response.write("only part of it", () => response.socket?.destroy())
      })
      const result = yield* post(server.address, "/run", {}, postOptions())
      assert.strictEqual(failureTag(result), "ConnectionError")
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("a body JSON cannot encode is never sent and gives a ConnectionError naming the reason", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, "{}"))
      const cyclic: Record<string, unknown> = {}
      cyclic["self"] = cyclic
      const result = yield* post(server.address, "/run", cyclic, postOptions())
      assert.strictEqual(failureTag(result), "ConnectionError")
      if (Either.isLeft(result)) assert.include(result.left.message, "could not be encoded as JSON")
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("at most maxConcurrent requests are in flight to one container", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => {
        setTimeout(() => answer(200, "{}")(_request, response, server), 50)
      })
      const client = yield* openClient(server.address, 3)
      const results = yield* Effect.all(
        Array.from({ length: 10 }, () => Effect.either(client.post("/run", {}, postOptions()))),
        { concurrency: "unbounded" }
      )
      assert.isTrue(results.every(Either.isRight))
      assert.strictEqual(server.requests.length, 10)
      assert.strictEqual(server.concurrency.max, 3)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("waiting for a free slot counts against the deadline, and a call that timed out waiting sends nothing", () =>
    Effect.gen(function*() {
      const server = yield* testServer(never)
      const client = yield* openClient(server.address, 1)
      const first = yield* Effect.fork(client.post("/run", {}, postOptions()))
      yield* eventually(() => server.requests.length === 1)
      const [second, millis] = yield* elapsed(Effect.either(client.post("/run", {}, postOptions({ timeout: Duration.millis(200) }))))
      assert.strictEqual(failureTag(second), "Timeout")
      assert.isAtLeast(millis, 200)
      yield* Fiber.interrupt(first)
      yield* eventually(() => server.sockets.closed === 1)
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.sockets.accepted, 1)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  it.scopedLive("a call waiting for a slot starts when the call before it ends", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => {
        setTimeout(() => answer(200, "{}")(_request, response, server), 100)
      })
      const client = yield* openClient(server.address, 1)
      const [first, second] = yield* Effect.all([
        client.post("/run", {}, postOptions()),
        client.post("/run", {}, postOptions())
      ], { concurrency: "unbounded" })
      assert.strictEqual(first.entity, "{}")
      assert.strictEqual(second.entity, "{}")
      assert.strictEqual(server.concurrency.max, 1)
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(retryEvery10ms)))

  it.scopedLive("interrupting a call closes its socket", () =>
    Effect.gen(function*() {
      const server = yield* testServer(never)
      const client = yield* openClient(server.address)
      const call = yield* Effect.fork(client.post("/run", {}, postOptions()))
      yield* eventually(() => server.requests.length === 1)
      yield* Fiber.interrupt(call)
      yield* eventually(() => server.sockets.closed === 1)
      assert.strictEqual(server.sockets.accepted, 1)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  it.scopedLive("close interrupts the calls in flight, closes their sockets, and later calls fail", () =>
    Effect.gen(function*() {
      const server = yield* testServer(never)
      const client = yield* openClient(server.address, 2)
      const calls = yield* Effect.fork(
        Effect.all([client.post("/run", {}, postOptions()), client.post("/run", {}, postOptions())], {
          concurrency: "unbounded"
        })
      )
      yield* eventually(() => server.requests.length === 2)
      yield* client.close
      const exit = yield* Fiber.await(calls)
      assert.isTrue(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause), String(exit))
      yield* eventually(() => server.sockets.closed === 2)
      const after = yield* Effect.either(client.post("/run", {}, postOptions()))
      assert.strictEqual(failureTag(after), "ConnectionError")
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(retryEvery10ms)), 10_000)

  it.scopedLive("the layer reads the retry interval from ActionHttpConfig", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, `{"ok":true}`))
      const result = yield* post(server.address, "/init", {}, postOptions({ retry: true }))
      assertResponse(result, ContainerResponse.make(200, `{"ok":true}`))
    }).pipe(
      Effect.provide(ContainerHttpClient.layer.pipe(
        Layer.provide(ActionHttpConfig.layerWith({ retryInterval: Duration.millis(20) }))
      ))
    ))
})

describe("ContainerHttpClient connection opened ahead (preconnect)", () => {
  const preconnect = (lifetime: Duration.DurationInput) =>
    ContainerHttpClient.layerWith({ retryInterval: "10 millis", preconnect: lifetime })

  /** A server and a client that made one call: the connection for its next call is then open. */
  const answeredOnce = Effect.gen(function*() {
    const server = yield* testServer(answer(200, "{}"))
    const client = yield* openClient(server.address)
    yield* client.post("/run", {}, postOptions())
    yield* eventually(() => server.sockets.accepted === 2)
    return { server, client }
  })

  it.scopedLive("after an answer the client connects for its next call, which takes that connection: one request each", () =>
    Effect.gen(function*() {
      let acceptedAtSecond = -1
      const server = yield* testServer((request, response, state) => {
        if (request.body === `{"n":2}`) acceptedAtSecond = state.sockets.accepted
        answer(200, "{}")(request, response, state)
      })
      const client = yield* openClient(server.address)
      assertResponse(yield* Effect.either(client.post("/run", { n: 1 }, postOptions())), ContainerResponse.make(200, "{}"))
      // Opened while no call is in flight, and nothing is sent on it.
      yield* eventually(() => server.sockets.accepted === 2)
      assert.strictEqual(server.requests.length, 1)
      assertResponse(yield* Effect.either(client.post("/run", { n: 2 }, postOptions())), ContainerResponse.make(200, "{}"))
      // The second request came on the connection opened ahead: no connection was made for it.
      assert.strictEqual(acceptedAtSecond, 2)
      assert.deepStrictEqual(server.requests.map((request) => request.headers["connection"]), ["close", "close"])
      yield* eventually(() => server.sockets.accepted === 3)
    }).pipe(Effect.provide(preconnect("5 seconds"))))

  it.scopedLive("0 opens none", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, "{}"))
      const client = yield* openClient(server.address)
      yield* client.post("/run", {}, postOptions())
      yield* Effect.sleep("100 millis")
      assert.strictEqual(server.sockets.accepted, 1)
    }).pipe(Effect.provide(preconnect("0 millis"))))

  it.scopedLive("a call that failed opens none", () =>
    Effect.gen(function*() {
      const server = yield* testServer((_request, response) => response.destroy())
      const client = yield* openClient(server.address)
      const result = yield* Effect.either(client.post("/run", {}, postOptions()))
      assert.strictEqual(failureTag(result), "ConnectionError")
      yield* Effect.sleep("100 millis")
      assert.strictEqual(server.sockets.accepted, 1)
    }).pipe(Effect.provide(preconnect("5 seconds"))))

  it.scopedLive("an unused one is closed after its lifetime, and no socket is left", () =>
    Effect.gen(function*() {
      const before = openSockets()
      const { server } = yield* answeredOnce
      yield* eventually(() => server.sockets.closed === 2)
      yield* noSocketLeft(before)
    }).pipe(Effect.provide(preconnect("150 millis"))))

  it.scopedLive("close (a suspend) closes it, and none is opened after", () =>
    Effect.gen(function*() {
      const before = openSockets()
      const { client, server } = yield* answeredOnce
      yield* client.close
      yield* eventually(() => server.sockets.closed === 2)
      yield* Effect.sleep("50 millis")
      assert.strictEqual(server.sockets.accepted, 2)
      yield* noSocketLeft(before)
    }).pipe(Effect.provide(preconnect("5 seconds"))))

  it.scopedLive("one the server closed is not used: the next call connects anew and is answered", () =>
    Effect.gen(function*() {
      const { client, server } = yield* answeredOnce
      server.dropConnections()
      yield* eventually(() => server.sockets.closed === 2)
      // Let the client read the close before it calls again: a close not yet read is the race of any connection made
      // before its request, and the wait leaves it only to a process stopped that long.
      yield* Effect.sleep("200 millis")
      assertResponse(yield* Effect.either(client.post("/run", {}, postOptions())), ContainerResponse.make(200, "{}"))
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(preconnect("5 seconds"))))

  it.scopedLive("an unused one never keeps the process alive: a program that ends without closing its client exits", () =>
    Effect.gen(function*() {
      const server = yield* testServer(answer(200, "{}"))
      // A program whose client's scope is never closed, holding a connection opened ahead for a minute.
      const program = `
        import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
        import { ContainerAddress } from "@effect-whisk/core"
        import { Effect, Scope } from "effect"
        const scope = Effect.runSync(Scope.make())
        const http = await Effect.runPromise(Scope.extend(ContainerHttpClient.make({ retryInterval: "10 millis", preconnect: "60 seconds" }), scope))
        const client = await Effect.runPromise(http.open(ContainerAddress.make("127.0.0.1", ${server.address.port}), { maxConcurrent: 1 }))
        await Effect.runPromise(client.post("/run", {}, { timeout: "5 seconds", maxResponse: { bytes: 1000 }, truncation: { bytes: 1000 }, retry: false, reschedule: false }))
        // Time for the connection ahead to be made (on loopback, well under a millisecond).
        await new Promise((resolve) => setTimeout(resolve, 300))
      `
      const exitCode = yield* Effect.async<number | null>((resume) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: repositoryRoot, stdio: "ignore" })
        child.once("exit", (code) => resume(Effect.succeed(code)))
        return Effect.sync(() => child.kill("SIGKILL"))
      }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "the program did not exit" }))
      assert.strictEqual(exitCode, 0)
      // It did open one: the server accepted the call's connection and the one opened ahead.
      yield* eventually(() => server.sockets.accepted === 2)
    }).pipe(Effect.provide(preconnect("5 seconds"))))

  it.scopedLive("one whose server went away is dropped quietly; the next call is refused as before (Unreachable with reschedule)", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const address = ContainerAddress.make("127.0.0.1", port)
      const client = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* testServer(answer(200, "{}"), port)
        const client = yield* openClient(server.address)
        yield* client.post("/run", {}, postOptions())
        yield* eventually(() => server.sockets.accepted === 2)
        return client
      }))
      // The server's scope destroyed its sockets (the spare's peer) and stopped listening; the client reads the close.
      yield* Effect.sleep("200 millis")
      const result = yield* Effect.either(client.post("/run", {}, postOptions({ reschedule: true })))
      assert.strictEqual(failureTag(result), "ContainerHealthError")
      assert.strictEqual(address.port, port)
    }).pipe(Effect.provide(preconnect("5 seconds"))))
})

/** A TCP server that counts the connections it accepted, the bytes they carried and how many have closed. */
const tcpServer = Effect.acquireRelease(
  Effect.async<{ readonly server: net.Server; readonly port: number; readonly seen: { accepted: number; closed: number; bytes: number } }>(
    (resume) => {
      const seen = { accepted: 0, closed: 0, bytes: 0 }
      const server = net.createServer((socket) => {
        seen.accepted++
        socket.on("data", (chunk) => (seen.bytes += chunk.length))
        socket.on("error", () => {})
        socket.on("close", () => seen.closed++)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, port: (server.address() as net.AddressInfo).port, seen })))
    }
  ),
  ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

/** The TCP sockets this process holds open now (servers are counted apart). */
const openSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length

const noSocketLeft = (before: number) =>
  Effect.suspend(() => openSockets() <= before ? Effect.void : Effect.fail(`${openSockets() - before} sockets left`)).pipe(
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("2 seconds")))
  )

describe("ContainerHttpClient probe (live, node:net)", () => {
  it.scopedLive("PX10: connects and closes at once, sending nothing; no socket is left", () =>
    Effect.gen(function*() {
      const { port, seen } = yield* tcpServer
      const before = openSockets()
      const http = yield* ContainerHttp.ContainerHttp
      yield* http.probe(ContainerAddress.make("127.0.0.1", port), { timeout: Duration.seconds(5) })
      yield* Effect.suspend(() => seen.closed === 1 ? Effect.void : Effect.fail("open")).pipe(
        Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("2 seconds")))
      )
      assert.deepStrictEqual(seen, { accepted: 1, closed: 1, bytes: 0 })
      yield* noSocketLeft(before)
    }).pipe(Effect.provide(ContainerHttpClient.layer.pipe(Layer.provide(ActionHttpConfig.layer)))))

  it.scopedLive("PX10: a port where nothing listens refuses: ProbeError Refused, naming the target", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const before = openSockets()
      const http = yield* ContainerHttp.ContainerHttp
      const error = yield* Effect.flip(http.probe(ContainerAddress.make("127.0.0.1", port), { timeout: Duration.seconds(5) }))
      assert.strictEqual(error._tag, "ProbeError")
      assert.strictEqual(error.reason, "Refused")
      assert.strictEqual(error.target, `127.0.0.1:${port}`)
      assert.match(error.message, /refused the health probe/)
      yield* noSocketLeft(before)
    }).pipe(Effect.provide(ContainerHttpClient.layer.pipe(Layer.provide(ActionHttpConfig.layer)))))
})
