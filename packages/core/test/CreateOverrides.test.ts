// The deployment's override of the create request (B3, T56, T107): parsed from JSON into typed fields, each given
// field replacing the invoker's default, masked fields hidden in what is logged.
import { ContainerSpec, CreateOverrides, WhiskConfig } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit } from "effect"

const failureOf = (text: string): string =>
  Either.match(CreateOverrides.fromJson("CREATE_OVERRIDES", text), { onLeft: (error) => String(error), onRight: () => "" })

const everyField: CreateOverrides.CreateOverrides = {
  capDrop: ["ALL"],
  capAdd: ["NET_BIND_SERVICE"],
  ulimits: [{ name: "nofile", soft: 512, hard: 2048 }],
  pidsLimit: 64,
  securityOpt: ["no-new-privileges"],
  readOnlyRootfs: true,
  labels: { l1: "", team: "a" },
  masked: ["securityOpt"]
}

describe("CreateOverrides", () => {
  it.effect("T107 reads every field from EFFECT_WHISK_CREATE_OVERRIDES", () =>
    Effect.gen(function*() {
      const config = yield* WhiskConfig.fromEnv({
        EFFECT_WHISK_CREATE_OVERRIDES: JSON.stringify(everyField)
      })
      assert.deepStrictEqual(config.container.createOverrides, everyField)
      assert.deepStrictEqual((yield* WhiskConfig.fromEnv({})).container.createOverrides, CreateOverrides.empty)
    }))

  it.effect("a bad value is a ConfigError naming the variable and the field", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        WhiskConfig.fromEnv({ EFFECT_WHISK_CREATE_OVERRIDES: `{"ulimits":[{"name":"nofile","soft":1.5,"hard":2}]}` })
      )
      assert.isTrue(Exit.isFailure(exit))
      const message = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
      assert.include(message, "CREATE_OVERRIDES")
      assert.include(message, "ulimits.0.soft")
      assert.include(failureOf(`{"capdrop":["NET_RAW"]}`), "capdrop")
      assert.include(failureOf(`{"ulimits":[{"name":"nofile","soft":4096,"hard":1024}]}`), "the soft limit must not exceed")
      assert.include(failureOf(`{"pidsLimit":"many"}`), "pidsLimit")
      assert.include(failureOf(`{"capAdd":["NET RAW"]}`), "capAdd.0")
      assert.include(failureOf(`{"labels":{"effect-whisk.owner":"me"}}`), `labels: the label key "effect-whisk.owner"`)
      assert.include(failureOf(`{"masked":["env"]}`), "masked.0")
      assert.include(failureOf(`{"capDrop":`), "not a JSON object of overrides")
    }))

  it("B3 each given field replaces the invoker's default whole; labels go under the create's own", () => {
    const spec = ContainerSpec.make({ image: "image", labels: { team: "mine" } })
    const applied = CreateOverrides.apply(spec, {
      ulimits: [{ name: "nproc", soft: 100, hard: 100 }],
      capAdd: ["SYS_PTRACE"],
      readOnlyRootfs: true,
      labels: { team: "theirs", zone: "z1" }
    })
    assert.deepStrictEqual(applied.ulimits, [{ name: "nproc", soft: 100, hard: 100 }])
    assert.deepStrictEqual(applied.capAdd, ["SYS_PTRACE"])
    assert.isTrue(applied.readOnlyRootfs)
    assert.deepStrictEqual(applied.labels, { team: "mine", zone: "z1" })
    // Not given: the invoker's defaults stay.
    assert.deepStrictEqual(applied.capDrop, ["NET_RAW", "NET_ADMIN"])
    assert.strictEqual(applied.pidsLimit, 1024)
    assert.deepStrictEqual(CreateOverrides.apply(spec, CreateOverrides.empty), spec)
  })

  it("T107 masked fields are hidden in what is logged", () => {
    const shown = CreateOverrides.describe({
      securityOpt: ["seccomp=/secret/profile.json"],
      pidsLimit: 10,
      masked: ["securityOpt", "labels"]
    })
    assert.deepStrictEqual(shown, { securityOpt: "**HIDDEN**", pidsLimit: 10 })
    assert.notInclude(JSON.stringify(shown), "secret")
    assert.isTrue(CreateOverrides.isEmpty({ masked: ["labels"] }))
    assert.isFalse(CreateOverrides.isEmpty({ readOnlyRootfs: false }))
  })
})
