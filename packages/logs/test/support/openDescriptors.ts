import { readdirSync, readlinkSync } from "node:fs"

/** How many descriptors of this process are open on `path` (Linux: /proc/self/fd). */
export const descriptorsOn = (path: string): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path
    } catch {
      return false
    }
  }).length
