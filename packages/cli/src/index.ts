/**
 * @since 0.1.0
 */
export * as Cleanup from "./Cleanup.js"
export * as Cli from "./Cli.js"
export * as Doctor from "./Doctor.js"
export * as ExitStatus from "./ExitStatus.js"
export * as Invoke from "./Invoke.js"
export * as Output from "./Output.js"
export * as RuntimeBuild from "./RuntimeBuild.js"
export * as RuntimeImage from "./RuntimeImage.js"
