import { ContainerFactory, ContainerHttp, ContainerResponse, DockerEngine, LogLine, LogSource, Runc, WhiskConfig } from "@effect-whisk/core"
import { DockerContainer } from "@effect-whisk/docker"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Layer, Stream } from "effect"
import * as Cli from "../../src/Cli.js"
import * as Output from "../../src/Output.js"
import * as RuntimeImage from "../../src/RuntimeImage.js"

/** A container's json-file log that activations append to, in the lines core's LogLine.activationLines builds. */
export const makeLogFile = () => {
  let bytes = Buffer.alloc(0)
  let lines = 0
  const nextTime = () => `2026-01-01T00:00:${String(++lines).padStart(2, "0")}.000000000Z`
  const write = (written: ReadonlyArray<LogLine.Written>, sentinels: boolean) => {
    const timed = written.map((line) => ({ ...line, time: nextTime() }))
    const file = LogLine.jsonFile(LogLine.activationLines(timed, { sentinels, time: timed.at(-1)?.time ?? nextTime() }))
    bytes = Buffer.concat([bytes, Buffer.from(file)])
  }
  return {
    append: (stream: "stdout" | "stderr", text: string) => write([{ stream, text }], false),
    activationEnd: () => write([], true),
    /** One activation's lines and its sentinels. */
    activation: (written: ReadonlyArray<LogLine.Written>) => write(written, true),
    read: (fromOffset: number) => Stream.succeed(new Uint8Array(bytes.subarray(fromOffset)))
  }
}

export type LogFile = ReturnType<typeof makeLogFile>

/** A runtime that answers /init with 200 and /run with `run`, logging like the hello example. */
export const runtime = (
  log: LogFile,
  run: (params: Record<string, unknown>) => ContainerResponse.ContainerResponse = (params) =>
    ContainerResponse.make(200, JSON.stringify({ greeting: `Hello, ${String(params["name"] ?? "world")}!` }))
) =>
(request: ContainerHttp.TestRequest) =>
  Effect.sync(() => {
    if (request.path === "/init") return ContainerResponse.make(200, '{"OK":true}')
    const body = request.body as { readonly value: Record<string, unknown> }
    log.activation([
      { stream: "stdout", text: `hello.js greets ${String(body.value["name"] ?? "world")}` },
      { stream: "stderr", text: "hello.js writes this line to stderr" }
    ])
    return run(body.value)
  })

export interface MockOptions {
  readonly log?: LogFile
  readonly respond?: (request: ContainerHttp.TestRequest) => Effect.Effect<ContainerResponse.ContainerResponse, ContainerHttp.PostError>
  readonly engine?: Partial<DockerEngine.Service>
  readonly runc?: Partial<Runc.Service>
  readonly runtimeImage?: Parameters<typeof RuntimeImage.layerTest>[0]
  readonly config?: WhiskConfig.Overrides
}

/** Every service the command needs, as test doubles (a fresh set per call), with the real file system. */
export const layers = (options: MockOptions = {}) => {
  const log = options.log ?? makeLogFile()
  const docker = Layer.mergeAll(
    DockerEngine.layerTest({ logSource: () => Effect.succeed(LogSource.scripted(log.read)), ...options.engine }),
    Runc.layerTest(options.runc),
    ContainerHttp.layerTest(options.respond ?? runtime(log)),
    WhiskConfig.layerWith(options.config)
  )
  return Layer.mergeAll(
    DockerContainer.layer,
    RuntimeImage.layerTest(options.runtimeImage),
    Output.layerTest(),
    NodeContext.layer
  ).pipe(Layer.provideMerge(docker))
}

/** Runs `effect-whisk <args>` and gives its exit status with what it wrote. */
export const runCli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const status = yield* Cli.run(["node", "effect-whisk", ...args])
    const captured = yield* Output.Captured
    return { status, stdout: yield* captured.stdout, stderr: yield* captured.stderr }
  })

/**
 * The command's services with the in-memory ContainerFactory of core under the pool (scripted /init and /run, every
 * call in ContainerFactoryCalls); the Docker services are there for what the command asks the engine directly.
 */
export const poolLayers = (options: ContainerFactory.TestOptions = {}) =>
  Layer.mergeAll(
    ContainerFactory.layerTest(options),
    DockerEngine.layerTest(),
    Runc.layerTest(),
    ContainerHttp.layerTest(() => Effect.die("the pool's factory is the test one")),
    WhiskConfig.layerWith(),
    RuntimeImage.layerTest(),
    Output.layerTest(),
    NodeContext.layer
  )
