// The times of the engine's log stream: parsed from what Docker and Podman print, written as the json-file log and
// the Docker API's `since` want them.
import { LogSource } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"

const second = 1_796_292_819n * 1_000_000_000n // 2026-12-03T10:13:39Z

describe("LogSource times", () => {
  it("parses Docker's nine digits, Podman's whole seconds, fewer digits and offsets; anything else is undefined", () => {
    assert.strictEqual(LogSource.parseTime("2026-12-03T10:13:39.151506290Z"), second + 151_506_290n)
    assert.strictEqual(LogSource.parseTime("2026-12-03T10:13:39.152704306Z"), second + 152_704_306n)
    assert.strictEqual(LogSource.parseTime("2026-12-03T10:13:39Z"), second)
    assert.strictEqual(LogSource.parseTime("2026-12-03T10:13:39.5Z"), second + 500_000_000n)
    assert.strictEqual(LogSource.parseTime("2026-12-03T11:13:39.000000001+01:00"), second + 1n)
    for (const bad of ["2026-12-03T10:13:39.12345678xZ", "2026-12-03T10:13:39.0000001e5Z", "2026-12-03 10:13:39Z", "yesterday", ""]) {
      assert.isUndefined(LogSource.parseTime(bad), bad)
    }
  })

  it("formats as the json-file log does (trailing zeros left out) and as Docker's since takes it", () => {
    assert.strictEqual(LogSource.formatTime(second + 151_506_290n), "2026-12-03T10:13:39.15150629Z")
    assert.strictEqual(LogSource.formatTime(second), "2026-12-03T10:13:39Z")
    assert.strictEqual(LogSource.formatTime(second + 1n), "2026-12-03T10:13:39.000000001Z")
    assert.strictEqual(LogSource.unixSeconds(second + 1n), "1796292819.000000001")
    assert.strictEqual(LogSource.unixSeconds(second), "1796292819.000000000")
  })
})
