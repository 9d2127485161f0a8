/**
 * The pool's metrics, one per constant (P13), for a dashboard to import. Gauges hold the value of the pool that
 * changed last; a program with several pools tells them apart by the series it tags (`Effect.tagMetrics`).
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/**
 * Activations by how their container started: tagged `start` = `Warm`, `Prewarmed` or `Cold`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const starts = Metric.counter("effect_whisk_pool_starts", {
  description: "Activations placed, by start kind (tag start: Warm, Prewarmed, Cold)",
  incremental: true
})

/**
 * Idle containers removed to make room (P6).
 *
 * @since 0.1.0
 * @category metrics
 */
export const evictions = Metric.counter("effect_whisk_pool_evictions", {
  description: "Idle containers removed to make room for another action",
  incremental: true
})

/**
 * Containers removed, tagged `reason`: `Evicted`, `Idle`, `Expired`, `Failed`, `Unhealthy` (a failed resume, or a
 * refused or 503 first run after a pause), `HealthCheck` (a prewarm that failed `maxFails` health probes in a row,
 * PX32), `Interrupted`, `Closed`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const removals = Metric.counter("effect_whisk_pool_removals", {
  description: "Containers removed, by reason",
  incremental: true
})

/**
 * @since 0.1.0
 * @category metrics
 */
export const bufferLength = Metric.gauge("effect_whisk_pool_buffer_length", {
  description: "Activations waiting for a container"
})

/**
 * Containers running at least one activation.
 *
 * @since 0.1.0
 * @category metrics
 */
export const busyContainers = Metric.gauge("effect_whisk_pool_busy_containers", {
  description: "Containers running at least one activation"
})

/**
 * Initialised containers running nothing (suspended or within the pause grace).
 *
 * @since 0.1.0
 * @category metrics
 */
export const idleContainers = Metric.gauge("effect_whisk_pool_idle_containers", {
  description: "Initialised containers running nothing"
})

/**
 * Prewarmed containers, started or starting.
 *
 * @since 0.1.0
 * @category metrics
 */
export const prewarmContainers = Metric.gauge("effect_whisk_pool_prewarm_containers", {
  description: "Prewarmed containers, started or starting"
})

/**
 * Memory reserved by every container of the pool, in bytes.
 *
 * @since 0.1.0
 * @category metrics
 */
export const memoryInUse = Metric.gauge("effect_whisk_pool_memory_in_use_bytes", {
  description: "Memory reserved by the pool's containers, in bytes"
})
