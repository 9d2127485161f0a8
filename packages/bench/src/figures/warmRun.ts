import { ActionHttpConfig, ContainerConfig, ContainerHttp } from "@effect-whisk/core"
import * as ContainerHttpClient from "@effect-whisk/docker/ContainerHttpClient"
import type { DockerContainer } from "@effect-whisk/docker"
import { Duration, Effect } from "effect"
import { actions, type BenchContext, type FigureResult } from "../context.js"
import { callOptions, initialized } from "../containers.js"
import { interleaved, millis } from "../measure.js"
import { post, postInterruptibly, postWithoutAgent } from "../raw/actionHttp.js"
import { summarize } from "../stats.js"

/** `run` alone timed: the success is checked after the clock stops, as the other series' answers are. */
const timedRun = (container: DockerContainer.DockerContainer, options: DockerContainer.RunOptions) =>
  millis(Effect.orDie(container.run({}, {}, options))).pipe(
    Effect.tap(([, { response }]) =>
      response.isSuccess ? Effect.void : Effect.dieMessage(`the action did not succeed: ${JSON.stringify(response)}`)
    ),
    Effect.map(([took]) => took)
  )

/**
 * 3. a warm /run of a no-op action: the library (DockerContainer.run) vs a bare node:http POST to the same container.
 * The action HTTP client alone (ContainerHttp.post, with the options run gives it) is a third series, so that the
 * figure shows how the library's cost splits between the client and the container's run; a client made with
 * `preconnect: 0` (each call connects when it starts, as the bare POSTs do) shows what the connection the library's
 * client makes ahead for its next call saves. The floor is the bare POST
 * with the work no caller of /run can skip: the activation's body encoded as JSON (the bare POST does that too) and
 * the answer decoded from JSON. The bare POST is node's documented one (`agent: false`); the same POST without any
 * agent, as the library's client makes it, is a series too, so the figure shows what that choice gains. The figure
 * collects no logs, so its /runs say so (`logsCollected: false`); the same /run leaving the gate held for a
 * collection (LogsGate: what an invoker that collects every activation's logs pays) is a series too. The Effect
 * floor is that POST without an agent in one `Effect.async` that destroys the request when interrupted: the least an
 * Effect program pays for a call it can cancel. A pause of 2 ms follows each sample, so that what a call leaves to
 * do after its answer runs on idle time, as between activations, not in the next contender's sample.
 */
export const warmRun = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    const container = yield* initialized(context, actions.noop)
    const { payload } = yield* ContainerConfig.ContainerConfig
    const client = yield* Effect.acquireRelease(
      Effect.flatMap(ContainerHttp.ContainerHttp, (http) => http.open(container.address, callOptions)),
      (client) => client.close
    )
    // The same client without the connection it opens ahead of each next call: what that saves.
    const onDemandHttp = yield* ContainerHttpClient.make({ retryInterval: ActionHttpConfig.defaults.retryInterval, preconnect: 0 })
    const onDemand = yield* Effect.acquireRelease(onDemandHttp.open(container.address, callOptions), (client) => client.close)
    const postOptions: ContainerHttp.PostOptions = {
      timeout: Duration.decode(callOptions.timeout),
      maxResponse: payload.max,
      truncation: payload.truncation,
      retry: false,
      reschedule: false
    }
    const succeeded = (status: number, body: string) =>
      status === 200 ? Effect.void : Effect.dieMessage(`/run answered ${status}: ${body}`)
    const samples = yield* interleaved("warm /run", [
      { name: "library", sample: timedRun(container, { ...callOptions, logsCollected: false }) },
      { name: "library, logs to be collected", sample: timedRun(container, callOptions) },
      {
        name: "client",
        sample: millis(Effect.orDie(client.post("/run", { value: {} }, postOptions))).pipe(
          Effect.tap(([, answer]) => succeeded(answer.statusCode, answer.entity)),
          Effect.map(([took]) => took)
        )
      },
      {
        name: "client, connecting per call",
        sample: millis(Effect.orDie(onDemand.post("/run", { value: {} }, postOptions))).pipe(
          Effect.tap(([, answer]) => succeeded(answer.statusCode, answer.entity)),
          Effect.map(([took]) => took)
        )
      },
      {
        name: "node:http",
        sample: millis(Effect.promise(() => post(container.address.host, "/run", { value: {} }))).pipe(
          Effect.tap(([, answer]) => succeeded(answer.status, answer.body)),
          Effect.map(([took]) => took)
        )
      },
      {
        name: "node:http without an agent",
        sample: millis(Effect.promise(() => postWithoutAgent(container.address.host, "/run", { value: {} }))).pipe(
          Effect.tap(([, answer]) => succeeded(answer.status, answer.body)),
          Effect.map(([took]) => took)
        )
      },
      {
        name: "Effect floor",
        sample: millis(Effect.orDie(postInterruptibly(container.address.host, "/run", { value: {} }))).pipe(
          Effect.tap(([, answer]) => succeeded(answer.status, answer.body)),
          Effect.map(([took]) => took)
        )
      },
      {
        name: "floor",
        sample: millis(Effect.promise(() =>
          post(container.address.host, "/run", { value: {} }).then((answer) => ({ ...answer, value: JSON.parse(answer.body) as unknown }))
        )).pipe(
          Effect.tap(([, answer]) => succeeded(answer.status, answer.body)),
          Effect.map(([took]) => took)
        )
      }
    // A hundred untimed rounds: the warm /run of an invoker that has run thousands runs optimised code, and the
    // library's path has more functions for V8 to optimise than a bare POST has.
    ], { warmup: Math.min(100, count), count, pause: "2 millis" })
    const library = summarize(samples["library"]!)
    const gated = summarize(samples["library, logs to be collected"]!)
    const client_ = summarize(samples["client"]!)
    const clientOnDemand = summarize(samples["client, connecting per call"]!)
    const raw = summarize(samples["node:http"]!)
    const floor = summarize(samples["floor"]!)
    const withoutAgent = summarize(samples["node:http without an agent"]!)
    const effectFloor = summarize(samples["Effect floor"]!)
    const ratio = library.median / raw.median
    return {
      figure: 3,
      title: "warm /run of a no-op action",
      unit: "ms",
      series: {
        library,
        "library, its logs to be collected (LogsGate held)": gated,
        "ContainerHttp.post alone": client_,
        "ContainerHttp.post alone, connecting per call (preconnect 0)": clientOnDemand,
        "node:http POST": raw,
        "node:http POST without an agent": withoutAgent,
        "Effect floor: that POST in an interruptible Effect.async": effectFloor,
        "floor: node:http POST + JSON encode and decode": floor
      },
      ratios: {
        "library / node:http": ratio,
        "ContainerHttp.post / node:http": client_.median / raw.median,
        "ContainerHttp.post connecting per call / node:http": clientOnDemand.median / raw.median,
        "floor / node:http": floor.median / raw.median,
        "library / node:http without an agent": library.median / withoutAgent.median,
        "Effect floor / node:http": effectFloor.median / raw.median,
        "library with its logs to be collected / node:http": gated.median / raw.median,
        "library / floor": library.median / floor.median
      },
      goal: "≤ 1.1 × node:http",
      met: ratio <= 1.1,
      notes: [
        "every series sends each request on a new connection (no keep-alive), as OpenWhisk's client does; the library's client makes the connection for a next call once a call is answered (EFFECT_WHISK_HTTP_PRECONNECT), the series connecting per call shows the client without that",
        "the bare POST uses agent: false, node's documented way to that; the library's client makes its connection without any agent (agent: false makes one per request), and so does the series without an agent"
      ]
    } satisfies FigureResult
  }).pipe(Effect.scoped)
