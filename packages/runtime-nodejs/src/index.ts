export { start } from "./Server.js"
export type { RunningServer, StartOptions } from "./Server.js"
export {
  defaultServerDir,
  ensureRuntimeImage,
  imageRepository,
  imageTag,
  imageVersion,
  inputsHashLabel,
  RuntimeImageBuildError
} from "./ImageBuild.js"
export type {
  EnsureRuntimeImageOptions,
  RuntimeImage,
  RuntimeImageBuildErrorReason
} from "./ImageBuild.js"
