/**
 * @since 0.1.0
 */
export * as ActivationLogs from "./ActivationLogs.js"
export * as EngineLogStore from "./EngineLogStore.js"
export * as FileLogStore from "./FileLogStore.js"
export * as LogStore from "./LogStore.js"
export * as OomPoll from "./OomPoll.js"
export * as Schedules from "./Schedules.js"
