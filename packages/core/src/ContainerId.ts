/**
 * Container ids. `ContainerId` is what the engine accepts where a container is named in a request path: a full
 * engine id (64 lowercase hex characters), a short one (its first 12 or more), or a container name of the engine's
 * grammar (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`). Anything else ("", ".", "..", "x/", "a/../b") would change the path the
 * request goes to, so it is refused with `InvalidContainerId` before any call. `parseEngineId` is the strict check
 * of a full engine id, required before an id reaches a process argument.
 *
 * @since 0.1.0
 */
import { Brand, Either, Schema } from "effect"
import { InvalidContainerId } from "./Errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export type ContainerId = string & Brand.Brand<"ContainerId">

const idOrNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

const idOrNameRule = "an engine id (64 lowercase hex characters, or its first 12 or more) or a container name " +
  "(a letter or digit, then letters, digits, _, . or -)"

/**
 * Whether the input is a container id or name the engine accepts in a request path.
 *
 * @since 0.1.0
 * @category guards
 */
export const isIdOrName = (input: string): boolean => idOrNamePattern.test(input)

/**
 * @since 0.1.0
 * @category schemas
 */
export const ContainerId: Schema.brand<Schema.filter<typeof Schema.String>, "ContainerId"> = Schema.String.pipe(
  Schema.filter((s) => isIdOrName(s) || `ContainerId must be ${idOrNameRule}, not ${JSON.stringify(s)}`),
  Schema.brand("ContainerId")
)

/**
 * For trusted input (an engine's answer, a constant); throws on anything that is not an id or a name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (id: string): ContainerId => ContainerId.make(id)

/**
 * Parses a container id or name, for input that comes from outside.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Either.Either<ContainerId, InvalidContainerId> =>
  typeof input === "string" && isIdOrName(input)
    ? Either.right(input as ContainerId)
    : Either.left(new InvalidContainerId({ input: String(input), expected: idOrNameRule }))

const engineIdPattern = /^[0-9a-f]{64}$/

/**
 * @since 0.1.0
 * @category guards
 */
export const isEngineId = (id: string): boolean => engineIdPattern.test(id)

/**
 * The strict parse of a full engine id (OpenWhisk's `DockerContainerId.parse`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseEngineId = (input: string): Either.Either<ContainerId, InvalidContainerId> =>
  isEngineId(input) ? Either.right(input as ContainerId) : Either.left(new InvalidContainerId({ input }))
