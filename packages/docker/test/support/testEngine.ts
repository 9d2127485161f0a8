// The engine the real-engine suites run against, named by EFFECT_WHISK_TEST_ENGINE (scripts/test.sh runs the matrix's
// suites once per engine):
// - docker (default): the engine DOCKER_HOST names, else the local socket, with every strategy on `auto`;
// - docker-remote: the same Docker engine over tcp://127.0.0.1:2375 (scripts/ensure-engine.sh brings the listener up),
//   with the strategies a remote engine needs forced: the published port, logs over the engine API, the engine's pause;
// - podman: Podman's Docker-compatible socket, strategies on `auto`.
// Importing this module points DOCKER_HOST (and the EFFECT_WHISK_* variables) of this process at that engine, so the
// docker CLI the tests run and any child process use it too; `forced` gives the same settings to configs made in code.
import type { ContainerAddress, WhiskConfig } from "@effect-whisk/core"

export const testEngines = ["docker", "docker-remote", "podman"] as const
export type TestEngine = (typeof testEngines)[number]

const named = process.env.EFFECT_WHISK_TEST_ENGINE ?? ""
if (named !== "" && !(testEngines as ReadonlyArray<string>).includes(named)) {
  throw new Error(`EFFECT_WHISK_TEST_ENGINE=${named} is not one of ${testEngines.join(", ")}`)
}
export const testEngine: TestEngine = named === "" ? "docker" : named as TestEngine

/** The local Docker engine, where runc, the cgroup freezer and the json-file log are on this machine. */
export const isLocalDocker = testEngine === "docker"

const dockerHosts: Record<TestEngine, string | undefined> = {
  docker: undefined,
  "docker-remote": process.env.EFFECT_WHISK_TEST_REMOTE_HOST ?? "tcp://127.0.0.1:2375",
  podman: process.env.EFFECT_WHISK_TEST_PODMAN_HOST ?? "unix:///run/podman/podman.sock"
}

/** The variables a program reads (EngineConfig, FreezerConfig) set as the engine needs. */
export const forcedEnv: Readonly<Record<string, string>> = testEngine === "docker-remote"
  ? { EFFECT_WHISK_ADDRESS: "published", EFFECT_WHISK_LOG_SOURCE: "api", EFFECT_WHISK_FREEZER: "engine" }
  : {}

const dockerHost = dockerHosts[testEngine]
if (dockerHost !== undefined) process.env.DOCKER_HOST = dockerHost
Object.assign(process.env, forcedEnv)

/** The same settings as config overrides, for the layers tests build in code. */
export const forced: WhiskConfig.Overrides = testEngine === "docker-remote"
  ? {
    engine: { address: "published" satisfies ContainerAddress.Mode, logSource: "api" },
    freezer: { mode: "engine" }
  }
  : {}

/** A test's config overrides with the engine's forced settings applied over them. */
export const withForced = <A extends WhiskConfig.Overrides>(config: A): A => ({
  ...config,
  engine: { ...config.engine, ...forced.engine },
  freezer: { ...config.freezer, ...forced.freezer }
})
