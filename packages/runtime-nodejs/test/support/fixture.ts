import { afterAll, beforeAll, onTestFinished } from "vitest"
import type { CompiledServer } from "./compileServer.js"
import { compileServer } from "./compileServer.js"
import type { RuntimeProcess } from "./runtimeProcess.js"
import { startRuntime } from "./runtimeProcess.js"

export const sentinel = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

export const initBody = (code: string, main = "main", extra: Readonly<Record<string, unknown>> = {}) => ({
  value: { name: "test-action", main, binary: false, code, ...extra }
})

/**
 * Compiles the server once per test file; every test gets its own runtime process (fresh state, own cwd),
 * stopped when the test ends.
 */
export const useRuntime = () => {
  let compiled: CompiledServer | undefined
  beforeAll(async () => {
    compiled = await compileServer()
  }, 120_000)
  afterAll(() => compiled?.remove())

  const fresh = async (env: Readonly<Record<string, string>> = {}): Promise<RuntimeProcess> => {
    if (compiled === undefined) throw new Error("the server was not compiled")
    const runtime = await startRuntime(compiled.dir, env)
    onTestFinished(() => runtime.stop())
    return runtime
  }

  const initialized = async (code: string, env: Readonly<Record<string, string>> = {}) => {
    const runtime = await fresh(env)
    const answer = await runtime.post("/init", initBody(code))
    if (answer.status !== 200) throw new Error(`/init answered ${answer.status} ${answer.text}`)
    return runtime
  }

  return { fresh, initialized }
}
