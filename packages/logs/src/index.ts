/**
 * @since 0.1.0
 */
export * as LogFile from "./LogFile.js"
export * as Schedules from "./Schedules.js"
