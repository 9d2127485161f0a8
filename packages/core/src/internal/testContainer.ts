import { Clock, Duration, Effect, Either, Ref, Stream, SubscriptionRef } from "effect"
import * as ByteSize from "../ByteSize.js"
import * as CallResult from "../CallResult.js"
import * as ConnectionFailure from "../ConnectionFailure.js"
import type * as Container from "../Container.js"
import * as ContainerAddress from "../ContainerAddress.js"
import type * as ContainerFactory from "../ContainerFactory.js"
import * as ContainerId from "../ContainerId.js"
import * as ContainerResponse from "../ContainerResponse.js"
import { ContainerDestroyed, ContainerHealthError, ProbeError } from "../Errors.js"
import * as Interval from "../Interval.js"
import * as LogLine from "../LogLine.js"
import * as LogsGate from "../LogsGate.js"
import * as Messages from "../Messages.js"
import { type CallLog, recording } from "./callLog.js"

type Operation = ContainerDestroyed["operation"]

const defaultInit = (): Effect.Effect<ContainerFactory.TestAnswer> =>
  Effect.succeed({ response: ContainerResponse.make(200, `{"OK":true}`) })

const defaultRun = (): Effect.Effect<ContainerFactory.TestAnswer> =>
  Effect.succeed({ response: ContainerResponse.make(200, "{}") })

const isSentinel = (raw: string): boolean =>
  Either.match(LogLine.parse(raw), {
    onLeft: () => false,
    onRight: (line) => LogLine.stripLineEnd(line.log).endsWith(Messages.activationLogSentinel)
  })

/** The activation's lines from `from`: up to its second sentinel line, or to the end when not waiting for them. */
const takeActivation = (
  log: ReadonlyArray<string>,
  from: number,
  waitForSentinel: boolean
): { readonly lines: ReadonlyArray<string>; readonly next: number; readonly complete: boolean } => {
  const lines: Array<string> = []
  let sentinels = 0
  for (let at = from; at < log.length; at++) {
    const raw = log[at]!
    if (!isSentinel(raw)) {
      lines.push(raw)
      continue
    }
    if (waitForSentinel && ++sentinels === 2) return { lines, next: at + 1, complete: true }
  }
  return { lines, next: log.length, complete: !waitForSentinel }
}

/** The lines that fit the limit (each weighs its UTF-8 length + 1), and the truncation notice when some did not. */
const encoder = new TextEncoder()

const withinLimit = (lines: ReadonlyArray<string>, limit: number, now: number): ReadonlyArray<string> => {
  let used = 0
  const kept: Array<string> = []
  for (const line of lines) {
    used += encoder.encode(line).length + 1
    if (used > limit) return [...kept, LogLine.noticeAt(now, Messages.truncateLogs(ByteSize.bytes(limit))).json]
    kept.push(line)
  }
  return kept
}

interface Recorded {
  readonly create: (request: ContainerFactory.CreateRequest, index: number) => Effect.Effect<void, ContainerFactory.CreateError>
  readonly initialize: (id: ContainerId.ContainerId, initializer: unknown, options: Container.InitializeOptions) => Effect.Effect<void>
  readonly run: (
    id: ContainerId.ContainerId,
    parameters: unknown,
    activation: Readonly<Record<string, unknown>>,
    options: Container.RunOptions
  ) => Effect.Effect<void>
  readonly suspend: (id: ContainerId.ContainerId) => Effect.Effect<void>
  readonly resume: (id: ContainerId.ContainerId) => Effect.Effect<void>
  readonly destroy: (id: ContainerId.ContainerId) => Effect.Effect<void>
  readonly logs: (id: ContainerId.ContainerId, options: Container.LogsOptions) => Effect.Effect<void>
  readonly logLines: (id: ContainerId.ContainerId, options: Container.LogsOptions) => Effect.Effect<void>
  readonly probe: (id: ContainerId.ContainerId, options: Container.ProbeOptions) => Effect.Effect<void>
}

const makeContainer = (
  options: ContainerFactory.TestOptions,
  recorded: Recorded,
  request: ContainerFactory.CreateRequest,
  index: number
): Effect.Effect<Container.Container> =>
  Effect.gen(function*() {
    const id = ContainerId.make(`test-container-${index + 1}`)
    const address = ContainerAddress.make(`test-container-${index + 1}`)
    const state = yield* SubscriptionRef.make<Container.State>("Running")
    const log = yield* Ref.make<ReadonlyArray<string>>([])
    const cursor = yield* Ref.make(0)
    const gate = yield* LogsGate.make()

    const alive = (operation: Operation) =>
      Effect.flatMap(SubscriptionRef.get(state), (now) =>
        now === "Destroyed" ? Effect.fail(new ContainerDestroyed({ containerId: id, operation })) : Effect.succeed(now))

    const write = (answer: ContainerFactory.TestAnswer, sentinelsByDefault: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const lines = LogLine.activationLines(answer.logs ?? [], {
          time: new Date(now).toISOString(),
          sentinels: answer.sentinels ?? sentinelsByDefault
        })
        return Ref.update(log, (all) => [...all, ...lines.map((line) => line.json)])
      })

    /** One call: the script's answer, or a timeout when the container is frozen; the log gets the answer's lines. */
    const call = (
      path: "/init" | "/run",
      body: unknown,
      timeout: Duration.Duration,
      reschedule: boolean
    ): Effect.Effect<CallResult.CallResult, ContainerHealthError> =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        const target = `${address.asString}${path}`
        if ((yield* SubscriptionRef.get(state)) === "Suspended") {
          const millis = Duration.toMillis(timeout)
          return CallResult.make(
            Interval.make(start, start + millis),
            Either.left(new ConnectionFailure.Timeout({ target, timeoutMillis: millis }))
          )
        }
        const script = path === "/init" ? options.init ?? defaultInit : options.run ?? defaultRun
        const answer = yield* script({ containerId: id, request, body })
        yield* write(answer, path === "/run")
        const { response } = answer
        if (reschedule && response instanceof ConnectionFailure.ConnectionError) {
          return yield* new ContainerHealthError({ target, reason: "Unreachable", cause: response })
        }
        return CallResult.make(
          Interval.make(start, start + (answer.millis ?? 1)),
          response instanceof ContainerResponse.ContainerResponse ? Either.right(response) : Either.left(response)
        )
      })

    const logLines = (logsOptions: Container.LogsOptions) =>
      Effect.zipRight(
        alive("logs"),
        Effect.gen(function*() {
          const taken = takeActivation(yield* Ref.get(log), yield* Ref.get(cursor), logsOptions.waitForSentinel)
          yield* Ref.set(cursor, taken.next)
          const now = yield* Clock.currentTimeMillis
          const lines = withinLimit(taken.lines, logsOptions.limit.bytes, now)
          return taken.complete || lines.length > taken.lines.length
            ? lines
            : [...lines, LogLine.noticeAt(now, Messages.logFailure).json]
        })
      )

    const setState = (next: Container.State) => SubscriptionRef.set(state, next)

    return {
      id,
      address,
      image: request.image,
      capabilities: { suspend: "ClosesConnections", logSource: "Memory" },
      state: SubscriptionRef.get(state),
      stateChanges: state.changes.pipe(Stream.takeUntil((now) => now === "Destroyed")),
      initialize: (initializer, initializeOptions) =>
        Effect.gen(function*() {
          yield* recorded.initialize(id, initializer, initializeOptions)
          yield* alive("initialize")
          const timeout = Duration.decode(initializeOptions.timeout)
          const result = yield* call("/init", { value: initializer }, timeout, false)
          return yield* CallResult.toInitialized(result, timeout, id)
        }),
      run: (parameters, activation, runOptions) =>
        gate.run(
          runOptions,
          Effect.gen(function*() {
            yield* recorded.run(id, parameters, activation, runOptions)
            yield* alive("run")
            const timeout = Duration.decode(runOptions.timeout)
            const result = yield* call("/run", { value: parameters, ...activation }, timeout, runOptions.reschedule ?? false)
            return yield* CallResult.toRunOutcome(result, timeout, id)
          })
        ),
      suspend: Effect.zipRight(
        recorded.suspend(id),
        Effect.flatMap(alive("suspend"), (now) => now === "Running" ? setState("Suspended") : Effect.void)
      ),
      resume: Effect.zipRight(
        recorded.resume(id),
        Effect.flatMap(alive("resume"), (now) => now === "Suspended" ? setState("Running") : Effect.void)
      ),
      destroy: Effect.zipRight(recorded.destroy(id), Effect.zipRight(alive("destroy"), setState("Destroyed"))),
      logs: (logsOptions) =>
        gate.collectionStream(
          Stream.fromIterableEffect(Effect.zipRight(recorded.logs(id, logsOptions), logLines(logsOptions)))
        ),
      logLines: (logsOptions) =>
        gate.collection(Effect.zipRight(recorded.logLines(id, logsOptions), logLines(logsOptions))),
      // Suspended or not, as on Docker: the kernel accepts a connection to a frozen container's port.
      probe: (probeOptions) =>
        Effect.zipRight(
          Effect.zipRight(recorded.probe(id, probeOptions), alive("probe")),
          options.probe === undefined ? Effect.void : options.probe({ containerId: id, request }).pipe(
            Effect.timeoutFail({
              duration: probeOptions.timeout,
              onTimeout: () =>
                new ProbeError({
                  target: address.asString,
                  reason: "Timeout",
                  timeoutMillis: Duration.toMillis(probeOptions.timeout)
                })
            })
          )
        )
    } satisfies Container.Container
  })

/** @internal */
export const make = (
  options: ContainerFactory.TestOptions
): Effect.Effect<{ readonly create: ContainerFactory.Service["create"]; readonly log: CallLog }> =>
  Effect.gen(function*() {
    const created = yield* Ref.make(0)
    const { log, service: recorded } = yield* recording<Recorded>({
      create: (request, index) => options.create === undefined ? Effect.void : options.create(request, index),
      initialize: () => Effect.void,
      run: () => Effect.void,
      suspend: () => Effect.void,
      resume: () => Effect.void,
      destroy: () => Effect.void,
      logs: () => Effect.void,
      logLines: () => Effect.void,
      probe: () => Effect.void
    })
    const create = (request: ContainerFactory.CreateRequest) =>
      Effect.flatMap(Ref.getAndUpdate(created, (n) => n + 1), (index) =>
        Effect.zipRight(recorded.create(request, index), makeContainer(options, recorded, request, index)))
    return { log, create }
  })
