// The vitest projects of the monorepo. vitest 3.2 deprecates a bare workspace file, so the root
// vitest.config.ts passes this list to `test.projects`.
export const projects = [
  "packages/core",
  "packages/logs",
  "packages/docker",
  "packages/pool",
  "packages/runtime-nodejs",
  "packages/cli",
  "packages/bench"
]
