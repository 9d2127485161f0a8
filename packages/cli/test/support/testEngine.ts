// The engine the CLI's real-engine tests run against, named by EFFECT_WHISK_TEST_ENGINE as in the docker package's
// test support (packages/docker/test/support/testEngine.ts, which explains the three): importing this module points
// DOCKER_HOST and the strategy variables of this process, and so of the built command it spawns, at that engine.
const engines = ["docker", "docker-remote", "podman"]
const named = process.env.EFFECT_WHISK_TEST_ENGINE ?? ""
if (named !== "" && !engines.includes(named)) {
  throw new Error(`EFFECT_WHISK_TEST_ENGINE=${named} is not one of ${engines.join(", ")}`)
}
export const testEngine = named === "" ? "docker" : named

if (testEngine === "docker-remote") {
  Object.assign(process.env, {
    DOCKER_HOST: process.env.EFFECT_WHISK_TEST_REMOTE_HOST ?? "tcp://127.0.0.1:2375",
    EFFECT_WHISK_ADDRESS: "published",
    EFFECT_WHISK_LOG_SOURCE: "api",
    EFFECT_WHISK_FREEZER: "engine"
  })
} else if (testEngine === "podman") {
  process.env.DOCKER_HOST = process.env.EFFECT_WHISK_TEST_PODMAN_HOST ?? "unix:///run/podman/podman.sock"
}
