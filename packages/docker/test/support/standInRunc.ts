// The live Runc over a stand-in runc: a shell script in a fresh directory, removed with the scope.
import { FreezerConfig } from "@effect-whisk/core"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Duration, Effect, Layer } from "effect"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as RuncCommand from "../../src/RuncCommand.js"

/** RuncCommand.make over a runc that runs `script`, with `timeout` for pause and resume. */
export const runcRunning = (script: string, timeout: Duration.DurationInput = "10 seconds") =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const directory = mkdtempSync(join(tmpdir(), "effect-whisk-stand-in-runc-"))
      const binary = join(directory, "runc")
      writeFileSync(binary, `#!/bin/sh\n${script}\n`)
      chmodSync(binary, 0o755)
      return { directory, binary }
    }),
    ({ directory }) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
  ).pipe(
    Effect.flatMap(({ binary }) => {
      const timeouts = { pause: Duration.decode(timeout), resume: Duration.decode(timeout) }
      return Effect.provide(
        RuncCommand.make,
        Layer.mergeAll(FreezerConfig.layerWith({ runc: { binary, root: "/run/test-root", timeouts } }), NodeContext.layer)
      )
    })
  )
