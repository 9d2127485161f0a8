/**
 * The deployment's override of the create request (B3, T56, T107): OpenWhisk's `extra-args` (any `docker run` flag
 * with its values) as typed HostConfig fields, read from `EFFECT_WHISK_CREATE_OVERRIDES` as JSON. A field that is
 * given replaces the invoker's default for that field whole, as the original's map merge replaces a flag's values;
 * `labels` are added to the create's own (which win on the same key). The fields named in `masked` are hidden in
 * whatever effect-whisk logs about a create, as `mask-docker-run-args` hides the arguments of `docker run`.
 *
 * @since 0.1.0
 */
import { Config, ConfigError, Either, ParseResult, Schema } from "effect"
import * as ContainerOwner from "./ContainerOwner.js"
import type * as ContainerSpec from "./ContainerSpec.js"

const noNul = (text: string) => !text.includes("\u0000")

const Capability = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_]+$/, { message: () => "a capability is letters and _ only, such as NET_RAW or ALL" })
)

const UlimitValue = Schema.Int.pipe(
  Schema.greaterThanOrEqualTo(-1, { message: () => "a ulimit value is an integer, -1 (unlimited) or more" })
)

/**
 * A `--ulimit name=soft:hard`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Ulimit = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-z]+$/, { message: () => "a ulimit name is lower-case letters, such as nofile" })),
  soft: UlimitValue,
  hard: UlimitValue
}).pipe(Schema.filter((ulimit) =>
  ulimit.hard === -1 || (ulimit.soft !== -1 && ulimit.soft <= ulimit.hard) || "the soft limit must not exceed the hard limit"
))

const Labels = Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.filter(noNul)) }).pipe(
  Schema.filter((labels) => {
    const bad = Object.keys(labels).find((key) => key.length === 0 || !noNul(key) || key.startsWith("effect-whisk."))
    return bad === undefined ||
      `the label key ${JSON.stringify(bad)} is empty or starts with effect-whisk. (the owner labels ${
        Object.values(ContainerOwner.labelKeys).join(", ")
      } are the engine's)`
  })
)

const fields = ["capDrop", "capAdd", "ulimits", "pidsLimit", "securityOpt", "readOnlyRootfs", "labels"] as const

/**
 * @since 0.1.0
 * @category schemas
 */
export const CreateOverrides = Schema.Struct({
  /** `--cap-drop`; the invoker drops NET_RAW and NET_ADMIN. */
  capDrop: Schema.optional(Schema.Array(Capability)),
  /** `--cap-add` */
  capAdd: Schema.optional(Schema.Array(Capability)),
  /** `--ulimit`; the invoker sets nofile 1024:1024 (and, on Podman, nproc 1024:1024 unless nproc is given here). */
  ulimits: Schema.optional(Schema.Array(Ulimit)),
  /** `--pids-limit`; the invoker sets 1024; 0 or -1 is unlimited. */
  pidsLimit: Schema.optional(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(-1, { message: () => "the pids limit is an integer, -1 or more" }))
  ),
  /** `--security-opt`, such as `no-new-privileges`. */
  securityOpt: Schema.optional(Schema.Array(
    Schema.String.pipe(Schema.filter((option) => (option.length > 0 && noNul(option)) || "a security option is not empty"))
  )),
  /** `--read-only` */
  readOnlyRootfs: Schema.optional(Schema.Boolean),
  /** `--label` */
  labels: Schema.optional(Labels),
  /** The fields whose values are hidden in logs. */
  masked: Schema.optional(Schema.Array(Schema.Literal(...fields)))
}).annotations({ parseOptions: { onExcessProperty: "error" } })

/**
 * @since 0.1.0
 * @category models
 */
export type CreateOverrides = typeof CreateOverrides.Type

/**
 * No override: the invoker's defaults.
 *
 * @since 0.1.0
 * @category defaults
 */
export const empty: CreateOverrides = {}

/**
 * The spec with the overrides applied: each given field replaces the spec's, labels are added under the spec's own.
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply = (spec: ContainerSpec.ContainerSpec, overrides: CreateOverrides): ContainerSpec.ContainerSpec => ({
  ...spec,
  ...(overrides.capDrop === undefined ? {} : { capDrop: overrides.capDrop }),
  ...(overrides.capAdd === undefined ? {} : { capAdd: overrides.capAdd }),
  ...(overrides.ulimits === undefined ? {} : { ulimits: overrides.ulimits }),
  ...(overrides.pidsLimit === undefined ? {} : { pidsLimit: overrides.pidsLimit }),
  ...(overrides.securityOpt === undefined ? {} : { securityOpt: overrides.securityOpt }),
  ...(overrides.readOnlyRootfs === undefined ? {} : { readOnlyRootfs: overrides.readOnlyRootfs }),
  labels: { ...overrides.labels, ...spec.labels }
})

/**
 * What a log may show of the overrides: the given fields, with the masked ones' values as `**HIDDEN**`.
 *
 * @since 0.1.0
 * @category logging
 */
export const describe = (overrides: CreateOverrides): Record<string, unknown> => {
  const masked = new Set<string>(overrides.masked ?? [])
  const shown: Record<string, unknown> = {}
  for (const field of fields) {
    if (overrides[field] !== undefined) shown[field] = masked.has(field) ? "**HIDDEN**" : overrides[field]
  }
  return shown
}

/**
 * Whether the overrides change anything.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isEmpty = (overrides: CreateOverrides): boolean => fields.every((field) => overrides[field] === undefined)

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson(CreateOverrides))

/**
 * Parses the overrides from JSON; a bad value is a ConfigError whose message names the field and what is wrong.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromJson = (name: string, text: string): Either.Either<CreateOverrides, ConfigError.ConfigError> =>
  Either.mapLeft(decodeJson(text), (error) => {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    const field = issue === undefined || issue.path.length === 0
      ? "not a JSON object of overrides: "
      : `${issue.path.map(String).join(".")}: `
    return ConfigError.InvalidData([name], `${field}${issue?.message ?? error.message}`)
  })

/**
 * The overrides in the variable `name` (JSON); none when it is unset.
 *
 * @since 0.1.0
 * @category config
 */
export const config = (name: string): Config.Config<CreateOverrides> =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => fromJson(name, text)),
    Config.withDefault(empty)
  )
