#!/usr/bin/env bash
# The project's test command (README, `npm test`, .ci/run): install, build and typecheck, check that docs/ explains
# every rule code, bring up the engine and the registry, build the runtime image, run every vitest project, pack and
# install the published packages in a scratch project and use them there, then check that no test left a container
# behind.
# Any failing step exits non-zero.
#
# EFFECT_WHISK_SKIP_INSTALL=1 skips `npm ci` (for a local run on an already installed checkout).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

STEPS=8
STEP=0
step() {
  STEP=$((STEP + 1))
  printf '\n==> test [%d/%d] %s\n' "$STEP" "$STEPS" "$*"
}

step "npm ci"
if [ "${EFFECT_WHISK_SKIP_INSTALL:-0}" = 1 ]; then
  echo "skipped (EFFECT_WHISK_SKIP_INSTALL=1)"
else
  npm ci
fi

step "build and typecheck every package (npx tsc -b)"
npx tsc -b

step "every rule code has its heading in docs/ (scripts/check-docs.mjs)"
node scripts/check-docs.mjs

step "Docker engine, runc and registry (scripts/ensure-engine.sh)"
bash scripts/ensure-engine.sh
# The engine answers now, so a Docker test that skips would hide a bug: tests check this and fail instead.
export EFFECT_WHISK_REQUIRE_DOCKER=1

list_containers() { # ids... -> `docker ps -a` lines for exactly those containers
  local filters=() id
  for id in "$@"; do filters+=(--filter "id=$id"); done
  docker ps -a --no-trunc "${filters[@]}"
}

# Containers that were there before the tests are not the tests' doing; every other one at the end is a leak.
# Under CI the engine belongs to this run, so every container at the end counts.
BEFORE=()
[ "${CI:-}" = true ] || mapfile -t BEFORE < <(docker ps -aq --no-trunc)
if [ "${#BEFORE[@]}" != 0 ]; then
  echo "note: the engine already has ${#BEFORE[@]} container(s); they are not the tests' and are left alone:"
  list_containers "${BEFORE[@]}"
fi

check_leaks() {
  local status=$? now=() leaked=() id
  mapfile -t now < <(docker ps -aq --no-trunc)
  for id in "${now[@]}"; do
    case " ${BEFORE[*]-} " in *" $id "*) ;; *) leaked+=("$id") ;; esac
  done
  if [ "${#leaked[@]}" != 0 ]; then
    {
      echo
      echo "FAIL: the tests left ${#leaked[@]} container(s) on the engine; removing them:"
      list_containers "${leaked[@]}" || true
    } >&2
    docker rm -f "${leaked[@]}" >/dev/null || true
    [ "$status" != 0 ] || status=1
  elif [ "$status" = 0 ]; then
    echo "no containers left behind"
  fi
  exit "$status"
}
trap check_leaks EXIT

step "runtime image (scripts/build-runtime-image.sh)"
if [ -f scripts/build-runtime-image.sh ]; then
  bash scripts/build-runtime-image.sh
else
  echo "skipped: scripts/build-runtime-image.sh does not exist yet"
fi

step "every vitest project (npx vitest run)"
mkdir -p .cache
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json || vitest_status=$?
# The plain closing line CI reads: "vitest: N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".cache/vitest-report.json", "utf8"))
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
' || true
[ "$vitest_status" = 0 ] || exit "$vitest_status"

step "the packages as a user installs them (scripts/check-packages.sh)"
bash scripts/check-packages.sh

step "no containers left behind"
# check_leaks runs on exit, here and after any failure above.
