import { ByteSize, Messages } from "@effect-whisk/core"
import { assert, describe, it } from "@effect/vitest"

describe("Messages (D2, verbatim)", () => {
  it("says exactly what OpenWhisk says", () => {
    const mb = ByteSize.megabytes(10)
    const table: ReadonlyArray<readonly [string, string]> = [
      [Messages.imagePullError("image:prod"), "Failed to pull container image 'image:prod'."],
      [Messages.commandNotFoundError, "executable file not found"],
      [Messages.commandNotFoundInImage("img"), "executable file not found in image img"],
      [Messages.resourceProvisionError, "Failed to provision resources to run the action."],
      [Messages.abnormalInitialization, "The action did not initialize and exited unexpectedly."],
      [Messages.abnormalRun, "The action did not produce a valid response and exited unexpectedly."],
      [Messages.memoryExhausted, "The action exhausted its memory and was aborted."],
      [Messages.timedoutActivation(1000, false), "The action exceeded its time limits of 1000 milliseconds."],
      [Messages.timedoutActivation(1000, true), "The action exceeded its time limits of 1000 milliseconds during initialization."],
      [Messages.invalidInitResponse(""), "The action failed during initialization."],
      [Messages.invalidInitResponse("x"), "The action failed during initialization: x"],
      [Messages.invalidRunResponse(""), "The action did not produce a valid JSON or JSON Array response."],
      [Messages.invalidRunResponse("x"), "The action did not produce a valid JSON or JSON Array response: x"],
      [Messages.truncatedResponse(ByteSize.bytes(6), ByteSize.bytes(5)), "The action produced a response that exceeded the allowed length: 6 > 5 bytes."],
      [Messages.truncateLogs(mb), "Logs were truncated because the total bytes size exceeds the limit of 10485760 bytes."],
      [Messages.logFailure, "There was an issue while collecting your logs. Data might be missing."],
      [Messages.logWarningDeveloperError, "The action did not initialize or run as expected. Log data might be missing."],
      [Messages.logsNotAvailable, "Logs are not available."],
      [Messages.activationLogSentinel, "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"]
    ]
    for (const [actual, expected] of table) assert.strictEqual(actual, expected)
  })
})
