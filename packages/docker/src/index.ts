/**
 * @since 0.1.0
 */
export * as DockerContainer from "./DockerContainer.js"
