/**
 * Every user-visible text of OpenWhisk's container layer, verbatim (D2). Activation results carry these
 * strings, so changing one changes what users of the platform see.
 *
 * @since 0.1.0
 */
import type { ByteSize } from "./ByteSize.js"

/** @since 0.1.0 */
export const imagePullError = (image: string): string => `Failed to pull container image '${image}'.`

/** @since 0.1.0 */
export const commandNotFoundError = "executable file not found"

/** @since 0.1.0 */
export const commandNotFoundInImage = (image: string): string => `${commandNotFoundError} in image ${image}`

/** @since 0.1.0 */
export const resourceProvisionError = "Failed to provision resources to run the action."

/** @since 0.1.0 */
export const abnormalInitialization = "The action did not initialize and exited unexpectedly."

/** @since 0.1.0 */
export const abnormalRun = "The action did not produce a valid response and exited unexpectedly."

/** @since 0.1.0 */
export const memoryExhausted = "The action exhausted its memory and was aborted."

/** @since 0.1.0 */
export const timedoutActivation = (timeoutMillis: number, init: boolean): string =>
  `The action exceeded its time limits of ${timeoutMillis} milliseconds${init ? " during initialization." : "."}`

/** @since 0.1.0 */
export const invalidInitResponse = (body: string): string =>
  `The action failed during initialization${body.length > 0 ? `: ${body}` : "."}`

/** @since 0.1.0 */
export const invalidRunResponse = (body: string): string =>
  `The action did not produce a valid JSON or JSON Array response${body.length > 0 ? `: ${body}` : "."}`

/** @since 0.1.0 */
export const truncatedResponse = (length: ByteSize, max: ByteSize): string =>
  `The action produced a response that exceeded the allowed length: ${length.bytes} > ${max.bytes} bytes.`

/** @since 0.1.0 */
export const truncatedResponseWithPrefix = (prefix: string, length: ByteSize, max: ByteSize): string =>
  `${truncatedResponse(length, max)} The truncated response was: ${prefix}`

/** @since 0.1.0 */
export const truncateLogs = (limit: ByteSize): string =>
  `Logs were truncated because the total bytes size exceeds the limit of ${limit.bytes} bytes.`

/** @since 0.1.0 */
export const logFailure = "There was an issue while collecting your logs. Data might be missing."

/** @since 0.1.0 */
export const logWarningDeveloperError = "The action did not initialize or run as expected. Log data might be missing."

/** @since 0.1.0 */
export const logsNotAvailable = "Logs are not available."

/** @since 0.1.0 */
export const activationLogSentinel = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"
