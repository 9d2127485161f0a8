import * as CgroupFreezer from "@effect-whisk/docker/CgroupFreezer"
import { Option } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import * as EngineApi from "./engineApi.js"

/** The container's cgroup v1 freezer file, found as the library's cgroup strategy finds it. */
export const freezerFile = async (id: string): Promise<string> => {
  const info = await EngineApi.request("GET", `/containers/${id}/json`)
  const pid = (JSON.parse(info.body) as { State: { Pid: number } }).State.Pid
  const directory = CgroupFreezer.locate(
    readFileSync(`/proc/${pid}/cgroup`, "utf8"),
    CgroupFreezer.parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
  )
  if (Option.isNone(directory) || directory.value.version !== 1) throw new Error(`no cgroup v1 freezer for ${id}`)
  return CgroupFreezer.controlFile(directory.value)
}

/** Writes the v1 freezer state and reads it back every millisecond until the kernel says so (as runc does). */
export const setFreezerState = async (file: string, state: "FROZEN" | "THAWED") => {
  const deadline = Date.now() + 10_000
  writeFileSync(file, state)
  while (readFileSync(file, "utf8").trim() !== state) {
    if (Date.now() > deadline) throw new Error(`${file} did not become ${state} within 10 s`)
    await sleep(1)
  }
}
