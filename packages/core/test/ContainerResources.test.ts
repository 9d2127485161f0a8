import { ByteSize, ContainerResources } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"

const mb = ByteSize.megabytes

describe("ContainerResources", () => {
  it("T99 calculates cpu shares", () => {
    assert.strictEqual(ContainerResources.cpuShares(mb(2048), mb(256)), 128)
  })

  it("T100 uses the minimum cpu shares when the share would be too low", () => {
    assert.strictEqual(ContainerResources.cpuShares(mb(1024), mb(1)), 2)
  })

  it("T101 calculates the cpu limit", () => {
    assert.deepStrictEqual(ContainerResources.cpuLimit(mb(2048), mb(256), Option.some(2)), Option.some(0.25))
  })

  it("T102 rounds the cpu limit to 5 decimals", () => {
    assert.deepStrictEqual(ContainerResources.cpuLimit(mb(768), mb(256), Option.some(2)), Option.some(0.66667))
  })

  it("T103 uses the minimum cpu limit when the limit would be too low", () => {
    assert.deepStrictEqual(ContainerResources.cpuLimit(mb(1024), mb(1), Option.some(1)), Option.some(0.01))
  })

  it("T104 has no cpu limit without user cpus", () => {
    assert.deepStrictEqual(ContainerResources.cpuLimit(mb(1024), mb(256), Option.none()), Option.none())
  })
})
