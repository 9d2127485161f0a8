/**
 * The cgroup strategy of the Freezer: freezes and thaws a container by writing its cgroup's freezer file, as runc
 * itself does, without a process per call. The container's cgroup is found from its init process
 * (`/proc/<pid>/cgroup`, against this process's mount table), so the engine's cgroupfs and systemd drivers both work.
 *
 * - cgroup v1: the freezer hierarchy's `freezer.state`: write FROZEN or THAWED, then read it back until it says so
 *   (v1 has no change notification; the read is what moves the kernel's state on).
 * - cgroup v2: `cgroup.freeze`: write 1 or 0, then wait for `frozen 1` or `frozen 0` in `cgroup.events`, woken by
 *   its change notification.
 *
 * The files are tiny and on kernel filesystems: synchronous node:fs calls answer in microseconds, where the callback
 * forms cost a trip through the thread pool (a freeze + thaw of an empty group, written and read back, measured
 * 0.28 ms synchronous, 0.76 ms with callbacks, 0.85 ms with promises, medians of 2,000 on a busy machine). Every wait has the freezer's timeout and can be interrupted. A freeze
 * that fails thaws the group again, as runc does. Freezing a frozen container and thawing a running one are no-ops.
 *
 * @since 0.1.0
 */
import { Errors, Freezer, FreezerConfig } from "@effect-whisk/core"
import { type Duration, Effect, Layer, Option, Schedule } from "effect"
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, watch, writeFileSync } from "node:fs"
import { join } from "node:path"

/**
 * @since 0.1.0
 * @category models
 */
export interface CgroupDirectory {
  readonly version: 1 | 2
  /** The cgroup's directory on this machine. */
  readonly path: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Mount {
  /** The directory of the hierarchy that is mounted (for a cgroup, the group at the mount point). */
  readonly root: string
  readonly mountPoint: string
  readonly fsType: string
  readonly superOptions: ReadonlyArray<string>
}

// mountinfo escapes space, tab, newline and backslash as octal.
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))

/**
 * The mounts of a `/proc/<pid>/mountinfo` text.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseMountinfo = (text: string): ReadonlyArray<Mount> =>
  text.split("\n").flatMap((line) => {
    const fields = line.split(" ")
    const separator = fields.indexOf("-")
    if (separator < 6 || fields.length < separator + 4) return []
    return [{
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      fsType: fields[separator + 1]!,
      superOptions: fields[separator + 3]!.split(",")
    }]
  })

/**
 * The freezer's cgroup paths in a `/proc/<pid>/cgroup` text: the v1 freezer hierarchy's, and the v2 (unified)
 * hierarchy's.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseProcCgroup = (text: string): { readonly v1?: string; readonly v2?: string } => {
  let v1: string | undefined
  let v2: string | undefined
  for (const line of text.split("\n")) {
    const first = line.indexOf(":")
    const second = line.indexOf(":", first + 1)
    if (first < 0 || second < 0) continue
    const controllers = line.slice(first + 1, second)
    const path = line.slice(second + 1)
    if (line.slice(0, first) === "0" && controllers === "") v2 = path
    else if (controllers.split(",").includes("freezer")) v1 = path
  }
  return { ...(v1 === undefined ? {} : { v1 }), ...(v2 === undefined ? {} : { v2 }) }
}

const under = (mount: Mount, path: string): Option.Option<string> => {
  if (mount.root === "/") return Option.some(join(mount.mountPoint, path))
  if (path === mount.root) return Option.some(mount.mountPoint)
  return path.startsWith(`${mount.root}/`) ? Option.some(join(mount.mountPoint, path.slice(mount.root.length))) : Option.none()
}

/**
 * The directory of a process's freezer cgroup: the v1 freezer hierarchy when the process is in one that is mounted
 * (what runc and the engine use on a v1 or hybrid machine), else the v2 hierarchy.
 *
 * @since 0.1.0
 * @category parsing
 */
export const locate = (procCgroup: string, mounts: ReadonlyArray<Mount>): Option.Option<CgroupDirectory> => {
  const paths = parseProcCgroup(procCgroup)
  const find = (version: 1 | 2, path: string | undefined, matches: (mount: Mount) => boolean) =>
    path === undefined
      ? Option.none()
      : Option.firstSomeOf(mounts.filter(matches).map((mount) =>
        Option.map(under(mount, path), (directory): CgroupDirectory => ({ version, path: directory }))
      ))
  return find(1, paths.v1, (mount) => mount.fsType === "cgroup" && mount.superOptions.includes("freezer")).pipe(
    Option.orElse(() => find(2, paths.v2, (mount) => mount.fsType === "cgroup2"))
  )
}

/**
 * The file a strategy writes in a cgroup directory.
 *
 * @since 0.1.0
 * @category parsing
 */
export const controlFile = (directory: CgroupDirectory): string =>
  join(directory.path, directory.version === 1 ? "freezer.state" : "cgroup.freeze")

type Operation = "freeze" | "thaw"

const codeOf = (cause: unknown) => (cause as NodeJS.ErrnoException | undefined)?.code

const fsError = (operation: Operation, containerId: string, path: string) => (cause: unknown) =>
  new Errors.FreezerError({
    operation,
    containerId,
    path,
    cause,
    reason: ["ENOENT", "ESRCH"].includes(codeOf(cause) ?? "")
      ? "NotFound"
      : ["EACCES", "EPERM", "EROFS"].includes(codeOf(cause) ?? "")
      ? "Unavailable"
      : "WriteFailed"
  })

const write = (operation: Operation, containerId: string, path: string, text: string) =>
  Effect.try({ try: () => writeFileSync(path, text), catch: fsError(operation, containerId, path) })

const read = (operation: Operation, containerId: string, path: string, control = false) =>
  Effect.try({ try: () => control ? readControl(path) : readFileSync(path, "utf8"), catch: fsError(operation, containerId, path) })

const shortText = Buffer.alloc(256)

/**
 * A control file's short text (`freezer.state`, `cgroup.events`) in one read: readFileSync would also stat it and
 * read again for its end, since a cgroup file has no size. Each of those is a system call of tens of microseconds.
 */
const readControl = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    return shortText.toString("latin1", 0, readSync(fd, shortText, 0, shortText.length, 0))
  } finally {
    closeSync(fd)
  }
}

// After the first attempt, a poll every millisecond (a timer's floor; each poll costs microseconds) for the first
// 100 ms, then every 10 ms: a container whose processes were busy, or a busy machine, takes a few milliseconds.
const v1Poll = Schedule.spaced("1 millis").pipe(Schedule.upTo("100 millis"), Schedule.andThen(Schedule.spaced("10 millis")))

/** How long the first attempt looks again before the timer-driven poll takes over. */
const settleMillis = 1
/** The sleep between two looks of the first attempt (the kernel makes it about 0.1 ms). */
const pauseMillis = 0.02
/** Every few looks the state is written again, which retries the tasks that were busy (runc does the same). */
const writeEvery = 4
const pauseCell = new Int32Array(new SharedArrayBuffer(4))

/** One way to settle a group: a first attempt (write, then read whether it holds), and the wait when it does not. */
interface Steps {
  readonly attempt: Effect.Effect<boolean, Errors.FreezerError>
  readonly wait: Effect.Effect<void, Errors.FreezerError>
}

const stepsV1 = (operation: Operation, containerId: string, directory: string): Steps => {
  const path = join(directory, "freezer.state")
  const wanted = operation === "freeze" ? "FROZEN" : "THAWED"
  const once = () => {
    writeFileSync(path, wanted)
    return readControl(path).trim() === wanted
  }
  // The kernel freezes each task of the group when it next runs: one busy on a CPU, or waiting for one, keeps the
  // group FREEZING for a while. Writing again at once makes the kernel go over the whole group each time (a system
  // call of about 0.1 ms that keeps this CPU busy meanwhile: 50 such rounds were a fifth of a warm activation's
  // CPU), so the first attempt looks again after short sleeps that leave the CPU to those tasks, writes again
  // now and then, and gives up after about a millisecond to the poll below, whose timer costs a millisecond or more.
  const attempt = Effect.try({
    try: () => {
      if (once()) return true
      const until = performance.now() + settleMillis
      for (let look = 1; performance.now() < until; look++) {
        Atomics.wait(pauseCell, 0, 0, pauseMillis)
        if (look % writeEvery === 0) writeFileSync(path, wanted)
        if (readControl(path).trim() === wanted) return true
      }
      return false
    },
    catch: fsError(operation, containerId, path)
  })
  const poll = Effect.try({ try: once, catch: fsError(operation, containerId, path) })
  const wait = Effect.filterOrFail(poll, (settled) => settled, () => "not yet" as const).pipe(
    Effect.retry({ schedule: v1Poll, while: (error) => error === "not yet" }),
    Effect.catchIf((error) => error === "not yet", () => Effect.never),
    Effect.asVoid
  )
  return { attempt, wait }
}

const frozenLine = (events: string) => /^frozen ([01])$/m.exec(events)?.[1]

/**
 * Waits until `cgroup.events` says `frozen <wanted>`: checked once the change notification is set up (so no change
 * is missed), then at each notification.
 */
const awaitEvents = (operation: Operation, containerId: string, path: string, wanted: "0" | "1") =>
  Effect.async<void, Errors.FreezerError>((resume) => {
    let done = false
    const finish = (effect: Effect.Effect<void, Errors.FreezerError>) => {
      if (done) return
      done = true
      watcher?.close()
      resume(effect)
    }
    const check = () => {
      try {
        if (frozenLine(readControl(path)) === wanted) finish(Effect.void)
      } catch (cause) {
        finish(Effect.fail(fsError(operation, containerId, path)(cause)))
      }
    }
    let watcher: ReturnType<typeof watch> | undefined
    try {
      watcher = watch(path, { persistent: false }, check)
      watcher.on("error", (cause) => finish(Effect.fail(fsError(operation, containerId, path)(cause))))
    } catch (cause) {
      finish(Effect.fail(fsError(operation, containerId, path)(cause)))
      return
    }
    check()
    return Effect.sync(() => {
      done = true
      watcher?.close()
    })
  })

const stepsV2 = (operation: Operation, containerId: string, directory: string): Steps => {
  const wanted = operation === "freeze" ? "1" : "0"
  const events = join(directory, "cgroup.events")
  return {
    attempt: Effect.zipRight(
      write(operation, containerId, join(directory, "cgroup.freeze"), wanted),
      Effect.map(read(operation, containerId, events, true), (text) => frozenLine(text) === wanted)
    ),
    wait: awaitEvents(operation, containerId, events, wanted)
  }
}

/**
 * Freezes (or thaws) the cgroup in a directory and waits until the kernel reports it so, within the timeout. A
 * freeze that fails or times out thaws the group again.
 *
 * @since 0.1.0
 * @category operations
 */
export const settle = (
  operation: Operation,
  containerId: string,
  directory: CgroupDirectory,
  timeout: Duration.Duration
): Effect.Effect<void, Errors.FreezerError> => {
  const steps = (directory.version === 1 ? stepsV1 : stepsV2)(operation, containerId, directory.path)
  // Most groups settle within the write: the timer of a timeout (a millisecond when the event loop is busy) is
  // started only for the wait.
  const settled = Effect.flatMap(steps.attempt, (done) =>
    done ? Effect.void : steps.wait.pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new Errors.FreezerError({ operation, containerId, reason: "Timeout", path: controlFile(directory) })
      })
    ))
  return operation === "thaw" ? settled : settled.pipe(
    Effect.tapError(() =>
      Effect.ignore(Effect.try(() => writeFileSync(controlFile(directory), directory.version === 1 ? "THAWED" : "0")))
    )
  )
}

/** Where this process sees the cgroup hierarchies mounted. */
const readMounts = Effect.sync(() => {
  try {
    return parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
  } catch {
    return []
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CgroupFreezer extends Freezer.Service {
  /** The container's cgroup directory, or a FreezerError that says why there is none. */
  readonly directory: (target: Freezer.Target, operation: Operation) => Effect.Effect<CgroupDirectory, Errors.FreezerError>
  /** Whether the container's freezer file can be written (what `auto` asks). */
  readonly usable: (target: Freezer.Target) => Effect.Effect<boolean>
}

/**
 * The cgroup strategy over a given mount table (`make` reads this process's).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  mounts: ReadonlyArray<Mount>
): Effect.Effect<CgroupFreezer, never, FreezerConfig.FreezerConfig> =>
  Effect.gen(function*() {
    const { timeout } = yield* FreezerConfig.FreezerConfig

    // A container's cgroup does not move while it lives: found once per target (a container keeps one target for its
    // life), it spares each freeze and thaw reading and parsing /proc/<pid>/cgroup (about 0.1 ms here). A container
    // removed since fails at its control file with the same NotFound.
    const known = new WeakMap<Freezer.Target, CgroupDirectory>()
    const directory = (target: Freezer.Target, operation: Operation) =>
      Effect.suspend(() => {
        const cached = known.get(target)
        return cached !== undefined
          ? Effect.succeed(cached)
          : Effect.tap(locateFor(target, operation), (found) => Effect.sync(() => known.set(target, found)))
      })
    const locateFor = (target: Freezer.Target, operation: Operation) =>
      // pid 0 is what the engine answers for a container without a process.
      target.pid <= 0
        ? Effect.fail(new Errors.FreezerError({ operation, containerId: target.id, reason: "NotFound", path: `/proc/${target.pid}` }))
        : Effect.flatMap(read(operation, target.id, `/proc/${target.pid}/cgroup`), (text) =>
          Option.match(locate(text, mounts), {
            onNone: () =>
              Effect.fail(
                new Errors.FreezerError({
                  operation,
                  containerId: target.id,
                  reason: "Unavailable",
                  path: `/proc/${target.pid}/cgroup`,
                  cause: "no mounted cgroup freezer (v1 freezer hierarchy or cgroup2) holds the container's process"
                })
              ),
            onSome: Effect.succeed
          }))

    const operate = (operation: Operation) => (target: Freezer.Target) =>
      Effect.flatMap(directory(target, operation), (found) => settle(operation, target.id, found, timeout)).pipe(
        Effect.withSpan(`Freezer.${operation}`, {
          attributes: { containerId: target.id, strategy: "cgroup" },
          captureStackTrace: false
        })
      )

    // The cgroup must name the container (`/docker/<id>`, `docker-<id>.scope`, `libpod-<id>.scope`): an engine whose
    // socket leads into a VM reports pids of the VM, and such a pid here is some other process of this machine.
    const usable = (target: Freezer.Target) =>
      directory(target, "freeze").pipe(
        Effect.filterOrFail((found) => found.path.includes(target.id)),
        Effect.flatMap((found) => Effect.try(() => accessSync(controlFile(found), constants.W_OK))),
        Effect.isSuccess
      )

    return {
      mode: "cgroup" as const,
      strategy: Effect.succeed(Option.some("cgroup" as const)),
      freeze: operate("freeze"),
      thaw: operate("thaw"),
      directory,
      usable
    }
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CgroupFreezer, never, FreezerConfig.FreezerConfig> =
  // Read once per layer: the engine's hierarchies do not move.
  Effect.flatMap(readMounts, makeWith)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Freezer.Freezer, never, FreezerConfig.FreezerConfig> = Layer.effect(Freezer.Freezer, make)
