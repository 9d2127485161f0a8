import { assert, describe, it } from "@effect/vitest"
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
  it("prints a line per pull step when stderr is not a terminal, without byte progress or repeats", () => {
    const { progress, text } = capture(false)
    const render = Progress.pullRenderer(progress, "team/action:v1")
    pullEvents.forEach(render)
    assert.strictEqual(text(), [
      "pulling team/action:v1: v1: Pulling from team/action",
      "pulling team/action:v1: a1: Pulling fs layer",
      "pulling team/action:v1: a1: Download complete",
      "pulling team/action:v1: a1: Pull complete",
      "pulling team/action:v1: Status: Downloaded newer image for team/action:v1",
      ""
    ].join("\n"))
  })

  it("redraws one line with the byte progress on a terminal, and clears it before a step line", () => {
    const { progress, text } = capture(true)
    const render = Progress.pullRenderer(progress, "team/action:v1")
    pullEvents.slice(1, 5).forEach(render)
    progress.clear()
    assert.strictEqual(
      text(),
      "pulling team/action:v1: a1: Pulling fs layer\n" +
        "\r\u001b[Kpulling team/action:v1: a1: Downloading [=>    ] 1 MB/5 MB" +
        "\r\u001b[Kpulling team/action:v1: a1: Downloading [====> ] 4 MB/5 MB" +
        "\r\u001b[Kpulling team/action:v1: a1: Download complete\n"
    )
  })

  it("prints nothing for a transient status when stderr is not a terminal", () => {
    const { progress, text } = capture(false)
    progress.status("creating a container")
    progress.clear()
    assert.strictEqual(text(), "")
  })
})

describe("runtime image build progress", () => {
  const buildOutput = [
    "building effect-whisk/runtime-nodejs:0.1.0 from /usr/bin/node (/work/dist)",
    "Sending build context to Docker daemon  106.2MB",
    "Step 1/6 : FROM scratch",
    " ---> ",
    "Step 2/6 : COPY rootfs/ /",
    " ---> 4b187ad83283",
    "Successfully built 4b187ad83283"
  ]

  it("prints only the lines that name a step when stderr is not a terminal", () => {
    const { progress, text } = capture(false)
    buildOutput.forEach(Progress.buildRenderer(progress, false, "img"))
    assert.strictEqual(text(), [
      "building img: building effect-whisk/runtime-nodejs:0.1.0 from /usr/bin/node (/work/dist)",
      "building img: Step 1/6 : FROM scratch",
      "building img: Step 2/6 : COPY rootfs/ /",
      "building img: Successfully built 4b187ad83283",
      ""
    ].join("\n"))
  })

  it("redraws every line on a terminal", () => {
    const { progress, text } = capture(true)
    buildOutput.forEach(Progress.buildRenderer(progress, true, "img"))
    assert.strictEqual(text().split("\r\u001b[K").length - 1, buildOutput.length)
    assert.notInclude(text(), "\n")
  })
})
