/**
 * @since 0.1.0
 */
export * as LogFile from "./LogFile.js"
