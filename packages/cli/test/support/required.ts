/**
 * Under CI or scripts/test.sh (EFFECT_WHISK_REQUIRE_DOCKER=1) the engine and the tools the tests drive must be there:
 * a test that needs a missing one fails instead of being skipped.
 */
export const requireDocker = process.env.CI === "true" ||
  !["", "0", undefined].includes(process.env.EFFECT_WHISK_REQUIRE_DOCKER)
