import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import type * as Output from "../src/Output.js"
import * as Progress from "../src/internal/progress.js"

const capture = (stderrIsTTY: boolean) => {
  const written: Array<string> = []
  const output: Output.Service = { stdout: () => {}, stderr: (text) => written.push(text), stderrIsTTY }
  return { progress: Progress.make(output), text: () => written.join("") }
}

const pullEvents = [
  { status: "Pulling from team/action", id: "v1" },
  { status: "Pulling fs layer", id: "a1" },
  { status: "Downloading", id: "a1", progress: "[=>    ] 1 MB/5 MB" },
  { status: "Downloading", id: "a1", progress: "[====> ] 4 MB/5 MB" },
  { status: "Download complete", id: "a1" },
  { status: "Extracting", id: "a1", progress: "[=====>] 5 MB/5 MB" },
  { status: "Pull complete", id: "a1" },
  { status: "Pull complete", id: "a1" },
  { status: "Status: Downloaded newer image for team/action:v1" }
]

describe("progress on stderr", () => {
  it("prints nothing of a pull when stderr is not a terminal", () => {
    const { progress, text } = capture(false)
    pullEvents.forEach(Progress.pullRenderer(progress, "team/action:v1"))
    progress.clear()
    assert.strictEqual(text(), "")
  })

  it("redraws one line with each pull event on a terminal, and clears it before a step line", () => {
    const { progress, text } = capture(true)
    const render = Progress.pullRenderer(progress, "team/action:v1")
    pullEvents.slice(1, 4).forEach(render)
    progress.step("pulled team/action:v1")
    assert.strictEqual(
      text(),
      "\r\u001b[Kpulling team/action:v1: a1: Pulling fs layer" +
        "\r\u001b[Kpulling team/action:v1: a1: Downloading [=>    ] 1 MB/5 MB" +
        "\r\u001b[Kpulling team/action:v1: a1: Downloading [====> ] 4 MB/5 MB" +
        "\r\u001b[Kpulled team/action:v1\n"
    )
  })

  it("prints nothing for a transient status when stderr is not a terminal, but prints a step", () => {
    const { progress, text } = capture(false)
    progress.status("creating a container")
    progress.step("built the runtime image")
    progress.clear()
    assert.strictEqual(text(), "built the runtime image\n")
  })
})

describe("runtime image build progress", () => {
  const buildOutput = [
    "building effect-whisk/runtime-nodejs:0.1.0 from /usr/bin/node (/work/dist)",
    "Sending build context to Docker daemon  106.2MB",
    "Step 1/6 : FROM scratch",
    " ---> ",
    "",
    "Step 2/6 : COPY rootfs/ /",
    " ---> 4b187ad83283",
    "Successfully built 4b187ad83283"
  ]

  it("prints nothing when stderr is not a terminal", () => {
    const { progress, text } = capture(false)
    buildOutput.forEach(Progress.buildRenderer(progress, "img"))
    progress.clear()
    assert.strictEqual(text(), "")
  })

  it("redraws one line per non-empty output line on a terminal, never starting a new line", () => {
    const { progress, text } = capture(true)
    buildOutput.forEach(Progress.buildRenderer(progress, "img"))
    assert.strictEqual(text().split("\r\u001b[K").length - 1, buildOutput.length - 1)
    assert.include(text(), "\r\u001b[Kbuilding img: Step 2/6 : COPY rootfs/ /")
    assert.notInclude(text(), "\n")
  })
})

describe("a status line redrawn every second", () => {
  it.effect("redraws once a second on a terminal, and clears it when the run ends", () =>
    Effect.gen(function*() {
      const { progress, text } = capture(true)
      let ticks = 0
      yield* Effect.scoped(
        Effect.gen(function*() {
          yield* Progress.everySecond(progress, () => `tick ${++ticks}`)
          yield* TestClock.adjust("3500 millis")
        })
      )
      assert.strictEqual(text(), "\r\u001b[Ktick 1\r\u001b[Ktick 2\r\u001b[Ktick 3\r\u001b[K")
    }))

  it.effect("prints nothing when stderr is not a terminal", () =>
    Effect.gen(function*() {
      const { progress, text } = capture(false)
      yield* Effect.scoped(
        Effect.zipRight(Progress.everySecond(progress, () => "tick"), TestClock.adjust("3 seconds"))
      )
      assert.strictEqual(text(), "")
    }))
})
