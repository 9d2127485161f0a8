/**
 * @since 0.1.0
 */
export * as ActivationContext from "./ActivationContext.js"
