// B32 in the pool: with a FileLogStore in its context, each activation's lines also go to the store's files, with the
// activation's fields, then its record; without one, nothing is written.
import { FileLogStore } from "@effect-whisk/logs"
import { ContainerPool } from "@effect-whisk/pool"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { action, mb, sleepingRun, testLayer } from "./support/testPool.js"

const tempDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "ew-pool-filelogs-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

const written = (directory: string) =>
  readdirSync(directory).flatMap((name) =>
    readFileSync(join(directory, name), "utf8").split("\n").filter((line) => line.length > 0).map((line) =>
      JSON.parse(line) as Record<string, unknown>
    )
  )

describe("ContainerPool with a FileLogStore", () => {
  it.scoped("B32 writes each activation's enriched lines, then its record, to the store's files", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const [first, second] = yield* Effect.gen(function*() {
        const first = yield* ContainerPool.invoke(action("hello"), {})
        const second = yield* ContainerPool.invoke(action("hello"), {})
        return [first, second] as const
      }).pipe(
        Effect.provide(testLayer({}, { run: sleepingRun }).pipe(Layer.provideMerge(FileLogStore.layer({ directory }))))
      )
      const lines = written(directory)
      assert.strictEqual(lines.length, 4)
      assert.deepInclude(lines[0], {
        log: "ran /guest/hello\n",
        stream: "stdout",
        activationId: first.activationId,
        action: "/guest/hello",
        namespace: "guest"
      })
      assert.deepInclude(lines[1], {
        activationId: first.activationId,
        transactionId: first.transactionId,
        namespace: "guest",
        action: "/guest/hello",
        containerId: first.containerId
      })
      assert.deepInclude(lines[1]!["response"] as object, { statusCode: 0, result: { action: "/guest/hello" } })
      assert.strictEqual(lines[2]!["activationId"], second.activationId)
      assert.strictEqual(lines[3]!["activationId"], second.activationId)
      assert.deepStrictEqual(first.logs.length, 1)
    }))

  it.scoped("B31 at a log limit of 0 nothing is collected, so nothing is written", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const record = yield* ContainerPool.invoke(action("quiet", { logLimit: mb(0) }), {}).pipe(
        Effect.provide(testLayer({}, { run: sleepingRun }).pipe(Layer.provideMerge(FileLogStore.layer({ directory }))))
      )
      assert.deepStrictEqual(record.logs, [])
      assert.deepStrictEqual(written(directory), [])
    }))
})
