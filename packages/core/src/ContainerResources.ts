/**
 * How a container's cpu shares and cpu limit follow from its memory (B4; T99–T105).
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import type { ByteSize } from "./ByteSize.js"

const totalShare = 1024
const minShares = 2
const minCpuLimit = 0.01

const containersPerUserMemory = (userMemory: ByteSize, memory: ByteSize): number =>
  Math.floor(userMemory.bytes / memory.bytes)

/**
 * `max(trunc(1024 / (userMemory / memory)), 2)`, with the inner division on whole byte counts.
 *
 * @since 0.1.0
 */
export const cpuShares = (userMemory: ByteSize, memory: ByteSize): number =>
  Math.max(Math.trunc(totalShare / containersPerUserMemory(userMemory, memory)), minShares)

/**
 * `max(round5(userCpus / (userMemory / memory)), 0.01)` when user cpus are configured.
 *
 * @since 0.1.0
 */
export const cpuLimit = (userMemory: ByteSize, memory: ByteSize, userCpus: Option.Option<number>): Option.Option<number> =>
  Option.map(userCpus, (cpus) => {
    const limit = Math.round((cpus / containersPerUserMemory(userMemory, memory)) * 1e5) / 1e5
    return Math.max(limit, minCpuLimit)
  })
