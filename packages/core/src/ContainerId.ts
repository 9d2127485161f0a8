/**
 * Container ids. `ContainerId` is any non-empty id or name the engine accepts; `parseEngineId` is the strict
 * check of a full engine id (64 lowercase hex characters), required before an id reaches a process argument.
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

/**
 * @since 0.1.0
 * @category schemas
 */
export const ContainerId: Schema.brand<Schema.filter<typeof Schema.String>, "ContainerId"> = Schema.String.pipe(
  Schema.filter((s) => s.length > 0 || "ContainerId must not be empty"),
  Schema.brand("ContainerId")
)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (id: string): ContainerId => ContainerId.make(id)

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
