/**
 * @since 0.1.0
 */
export * as CgroupFreezer from "./CgroupFreezer.js"
export * as Cleanup from "./Cleanup.js"
export * as ContainerHttpClient from "./ContainerHttpClient.js"
export * as DockerContainer from "./DockerContainer.js"
export * as DockerodeEngine from "./DockerodeEngine.js"
export * as FreezerChoice from "./FreezerChoice.js"
export * as RuncCommand from "./RuncCommand.js"
export * as WhiskLive from "./WhiskLive.js"
