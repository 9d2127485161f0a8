/**
 * @since 0.1.0
 */
export * as Action from "./Action.js"
export * as ActivationContext from "./ActivationContext.js"
export * as ContainerPool from "./ContainerPool.js"
export * as PoolError from "./PoolError.js"
export * as PoolMetrics from "./PoolMetrics.js"
