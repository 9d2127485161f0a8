/**
 * What the engine creates a container from: the typed equivalent of OpenWhisk's `docker run` arguments (B2–B4),
 * mapped by the live engine layer onto the engine API's container config. Every default of a create is written here
 * once.
 *
 * @since 0.1.0
 */
import { Either, Option } from "effect"
import * as ByteSize from "./ByteSize.js"
import { InvalidEnvironment } from "./Errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Ulimit {
  readonly name: string
  readonly soft: number
  readonly hard: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ContainerSpec {
  /** The resolved image reference. */
  readonly image: string
  readonly name: Option.Option<string>
  /** Environment in order; keys are unique. */
  readonly env: ReadonlyArray<readonly [string, string]>
  /** `--memory` and `--memory-swap` (equal, so no swap). */
  readonly memory: ByteSize.ByteSize
  readonly cpuShares: number
  /** `--cpus` */
  readonly cpus: Option.Option<number>
  readonly network: string
  readonly dnsServers: ReadonlyArray<string>
  readonly dnsSearch: ReadonlyArray<string>
  readonly dnsOptions: ReadonlyArray<string>
  /** The parameters the original always passes (B3). */
  readonly capDrop: ReadonlyArray<string>
  readonly ulimits: ReadonlyArray<Ulimit>
  readonly pidsLimit: number
  readonly logDriver: string
  /** Set only by the deployment's overrides (CreateOverrides), like the fixed parameters' replacements. */
  readonly capAdd: ReadonlyArray<string>
  readonly securityOpt: ReadonlyArray<string>
  readonly readOnlyRootfs: boolean
  readonly labels: Readonly<Record<string, string>>
}

/**
 * A container's memory limit when the create does not give one.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultMemory: ByteSize.ByteSize = ByteSize.megabytes(256)

/**
 * The network containers join when neither the create nor the configuration names one.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultNetwork = "bridge"

/**
 * The fixed parameters of OpenWhisk's invoker: `--cap-drop NET_RAW --cap-drop NET_ADMIN --ulimit
 * nofile=1024:1024 --pids-limit 1024 --log-driver json-file`.
 *
 * @since 0.1.0
 * @category defaults
 */
export const invokerDefaults = {
  capDrop: ["NET_RAW", "NET_ADMIN"],
  ulimits: [{ name: "nofile", soft: 1024, hard: 1024 }],
  pidsLimit: 1024,
  logDriver: "json-file"
} as const

/**
 * The process limit a create sends on Podman when the spec names none (`--ulimit nproc=1024:1024`). Docker leaves
 * an unnamed limit at its own process's value; Podman sets nproc to 1,048,576 instead, which the OCI runtime cannot
 * raise to without CAP_SYS_RESOURCE (root in a container or a sandbox), and the start fails with "error setting
 * rlimit type 6". 1024 is the invoker's pids limit: a container cannot hold more tasks than that anyway, it is below
 * the kernel's default hard limit on any host (threads-max / 2), and root in the container (the runtime image's
 * user) is exempt from it. RLIMIT_NPROC counts a user's tasks across every container of the host, so an image
 * whose non-root user many containers share should name a larger nproc in the create overrides' `ulimits`.
 *
 * @since 0.1.0
 * @category defaults
 */
export const podmanNproc: Ulimit = { name: "nproc", soft: 1024, hard: 1024 }

/**
 * The spec's limits with the one a Podman create needs: `podmanNproc` unless the spec names nproc itself.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPodmanLimits = (spec: ContainerSpec): ContainerSpec =>
  spec.ulimits.some((ulimit) => ulimit.name === "nproc") ? spec : { ...spec, ulimits: [...spec.ulimits, podmanNproc] }

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Pick<ContainerSpec, "image"> & Partial<Omit<ContainerSpec, "image">>
): ContainerSpec => ({
  name: Option.none(),
  env: [],
  memory: defaultMemory,
  cpuShares: 0,
  cpus: Option.none(),
  network: defaultNetwork,
  dnsServers: [],
  dnsSearch: [],
  dnsOptions: [],
  ...invokerDefaults,
  capAdd: [],
  securityOpt: [],
  readOnlyRootfs: false,
  labels: {},
  ...options
})

const envKey = /^[A-Za-z_][A-Za-z0-9_.-]*$/

const describeType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`

/**
 * Checks environment entries before they reach the engine: a key must be a shell-style name, a value a string, and
 * no key or value may contain a NUL byte.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateEnv = (
  env: ReadonlyArray<readonly [string, string]>
): Either.Either<ReadonlyArray<readonly [string, string]>, InvalidEnvironment> => {
  const seen = new Set<string>()
  for (const [key, value] of env) {
    if (!envKey.test(key)) {
      return Either.left(
        new InvalidEnvironment({ key, reason: "a key starts with a letter or _ and has only letters, digits, _, . and -" })
      )
    }
    if (typeof value !== "string") {
      return Either.left(new InvalidEnvironment({ key, reason: `the value must be a string, not ${describeType(value)}` }))
    }
    if (value.includes("\u0000")) return Either.left(new InvalidEnvironment({ key, reason: "the value contains a NUL byte" }))
    if (seen.has(key)) return Either.left(new InvalidEnvironment({ key, reason: "the key is given twice" }))
    seen.add(key)
  }
  return Either.right(env)
}

/**
 * Parses `k=v` entries (split on the first `=`; a bare `k` is `k=`), as OpenWhisk's extra-env-vars (B4).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseEnvEntries = (
  entries: ReadonlyArray<string>
): Either.Either<ReadonlyArray<readonly [string, string]>, InvalidEnvironment> =>
  validateEnv(entries.map((entry) => {
    const at = entry.indexOf("=")
    return at < 0 ? [entry, ""] as const : [entry.slice(0, at), entry.slice(at + 1)] as const
  }))
