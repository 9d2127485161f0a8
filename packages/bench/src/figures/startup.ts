import { Effect } from "effect"
import { spawn } from "node:child_process"
import { performance } from "node:perf_hooks"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { BenchContext, FigureResult } from "../context.js"
import { interleaved } from "../measure.js"
import { run } from "../raw/processes.js"
import { summarize } from "../stats.js"

// packages/bench/dist/figures (or src/figures) → packages/cli.
const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "cli")
// Under .cache/ so that bin/effect-whisk.js never picks up the benchmark's bundle.
const bundleDir = join(cli, ".cache", "bench-bundle")

/** Wall milliseconds of `node <args>` from spawn to exit, its output discarded; a failure is a defect. */
const timedNode = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.async<number>((resume) => {
    const start = performance.now()
    const child = spawn(process.execPath, args, { stdio: "ignore", env: { ...process.env, ...env }, cwd: join(cli, "..", "..") })
    child.once("close", (code) =>
      resume(
        code === 0
          ? Effect.succeed(performance.now() - start)
          : Effect.die(new Error(`node ${args.join(" ")} exited with ${code}`))
      ))
  })

/**
 * 12. Start-up of the installed command: `effect-whisk --help` and `--version` from the bundle the packed package
 * holds, against `node -e 0` in the same rounds (5 each; the median); and `invoke examples/hello.js` end to end with
 * the runtime image present (its containers are named with the benchmark's prefix).
 */
export const startup = (context: BenchContext, count: number) =>
  Effect.gen(function*() {
    yield* Effect.promise(() => run(process.execPath, [join(cli, "scripts", "bundle.js"), bundleDir]))
    const start = join(bundleDir, "start.js")
    const samples = yield* interleaved("start-up", [
      { name: "node -e 0", sample: timedNode(["-e", "0"]) },
      { name: "--help", sample: timedNode([start, "--help"]) },
      { name: "--version", sample: timedNode([start, "--version"]) },
      { name: "--help (dist, no bundle)", sample: timedNode([join(cli, "dist", "start.js"), "--help"]) },
      {
        name: "invoke",
        sample: timedNode([start, "invoke", "examples/hello.js"], { EFFECT_WHISK_CONTAINER_NAME_PREFIX: context.prefix })
      }
    ], { warmup: 1, count })
    const node = summarize(samples["node -e 0"]!)
    const help = summarize(samples["--help"]!)
    const version = summarize(samples["--version"]!)
    const invoke = summarize(samples["invoke"]!)
    const ratios = {
      "--help / node -e 0": help.median / node.median,
      "--version / node -e 0": version.median / node.median,
      "invoke / 1 s": invoke.median / 1000
    }
    return {
      figure: 12,
      title: "start-up of the command",
      unit: "ms",
      series: { "--help": help, "--version": version, "node -e 0": node, "--help (dist)": summarize(samples["--help (dist, no bundle)"]!), "invoke examples/hello.js": invoke },
      ratios,
      goal: "≤ 4 × node -e 0; invoke ≤ 1 s",
      met: ratios["--help / node -e 0"] <= 4 && ratios["--version / node -e 0"] <= 4 && ratios["invoke / 1 s"] <= 1
    } satisfies FigureResult
  })
