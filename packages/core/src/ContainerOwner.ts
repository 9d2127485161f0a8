/**
 * Who made a container: every container effect-whisk creates carries its owner as labels, so that a cleanup
 * removes only its own containers and those of processes that are gone, never a running program's.
 *
 * @since 0.1.0
 */
import { Option } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface ContainerOwner {
  /** A random id per engine layer, or the configured `owner` for a service whose restarts are one owner. */
  readonly instance: string
  /** The host name of the machine the owner process runs on. */
  readonly host: string
  /** The owner process on that host. */
  readonly pid: number
}

/**
 * The label keys; `instance` is on every container effect-whisk creates.
 *
 * @since 0.1.0
 * @category labels
 */
export const labelKeys = {
  instance: "effect-whisk.owner",
  host: "effect-whisk.host",
  pid: "effect-whisk.pid"
} as const

/**
 * @since 0.1.0
 * @category labels
 */
export const labels = (owner: ContainerOwner): Readonly<Record<string, string>> => ({
  [labelKeys.instance]: owner.instance,
  [labelKeys.host]: owner.host,
  [labelKeys.pid]: String(owner.pid)
})

/**
 * The owner a container's labels name; none when they do not name a whole owner.
 *
 * @since 0.1.0
 * @category labels
 */
export const fromLabels = (containerLabels: Readonly<Record<string, string>>): Option.Option<ContainerOwner> => {
  const instance = containerLabels[labelKeys.instance]
  const host = containerLabels[labelKeys.host]
  const pid = Number(containerLabels[labelKeys.pid])
  return instance !== undefined && host !== undefined && Number.isSafeInteger(pid) && pid > 0
    ? Option.some({ instance, host, pid })
    : Option.none()
}

/**
 * Whether a container belongs to nobody alive: its owner ran on `host` (this machine) and `isAlive` says the process
 * is gone. A container of another host is never an orphan here: its owner's state cannot be seen from this machine.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isOrphan = (
  owner: ContainerOwner,
  host: string,
  isAlive: (pid: number) => boolean
): boolean => owner.host === host && !isAlive(owner.pid)
