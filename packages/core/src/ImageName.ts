/**
 * Image references: `[registry/][prefix/]name[:tag][@digest]`, parsed by Docker's reference grammar (as OpenWhisk's
 * `ImageName.fromString`) and resolved against a system registry (B5).
 *
 * @since 0.1.0
 */
import { Data, Either, Option } from "effect"
import { InvalidImageName } from "./Errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export class ImageName extends Data.Class<{
  readonly name: string
  readonly registry: Option.Option<string>
  readonly prefix: Option.Option<string>
  readonly tag: Option.Option<string>
}> {
  /** A user image with this tag must be pulled before every create (B6). */
  get isLatest(): boolean {
    return Option.match(this.tag, { onNone: () => true, onSome: (tag) => tag === "latest" })
  }
  /**
   * The reference to hand to the engine: the image's own registry, else the system registry if non-empty, then
   * `prefix/`, `name` and `:tag` when present.
   */
  resolve(systemRegistry = ""): string {
    const registry = Option.getOrElse(this.registry, () => systemRegistry)
    const r = registry.length === 0 ? "" : registry.endsWith("/") ? registry : `${registry}/`
    const p = Option.match(Option.filter(this.prefix, (s) => s.length > 0), { onNone: () => "", onSome: (s) => `${s}/` })
    const t = Option.match(Option.filter(this.tag, (s) => s.length > 0), { onNone: () => "", onSome: (s) => `:${s}` })
    return `${r}${p}${this.name}${t}`
  }
  override toString(): string {
    return this.resolve()
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  name: string,
  options: { readonly registry?: string; readonly prefix?: string; readonly tag?: string } = {}
): ImageName =>
  new ImageName({
    name,
    registry: Option.fromNullable(options.registry),
    prefix: Option.fromNullable(options.prefix),
    tag: Option.fromNullable(options.tag)
  })

const pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
const domainComponent = "[A-Za-z0-9-]*"
const domain = `(?:${domainComponent}(?:\\.${domainComponent})+(?::[0-9]+)?|${domainComponent}(?:\\.${domainComponent})*:[0-9]+)`
const tag = "\\w[\\w.-]{0,127}"
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
const reference = new RegExp(
  `^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`
)
const maxLength = 255

/**
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Either.Either<ImageName, InvalidImageName> => {
  if (input.length === 0) return Either.left(new InvalidImageName({ input, reason: "it is empty" }))
  if (input.length > maxLength) {
    return Either.left(new InvalidImageName({ input, reason: `it is longer than ${maxLength} characters` }))
  }
  const match = reference.exec(input)
  if (match === null) {
    return Either.left(
      new InvalidImageName({
        input,
        reason: "it is not of the form [registry/][prefix/]name[:tag] with a lowercase name"
      })
    )
  }
  const [, registry, path = "", imageTag] = match
  const parts = path.split("/")
  const name = parts.pop() ?? path
  return Either.right(
    new ImageName({
      name,
      registry: Option.fromNullable(registry),
      prefix: parts.length > 0 ? Option.some(parts.join("/")) : Option.none(),
      tag: Option.fromNullable(imageTag)
    })
  )
}
