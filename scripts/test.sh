#!/usr/bin/env bash
# The project's test command (README, `npm test`, .ci/run): install, build and typecheck, check that docs/ explains
# every rule code, bring up the engine and the registry, build the runtime image, run every vitest project, pack and
# install the published packages in a scratch project and use them there, then check that no test left a container
# behind on any engine.
# Any failing step exits non-zero.
#
# The real-engine suites of the engine matrix (MATRIX_SUITES) run once more per other engine, named by
# EFFECT_WHISK_TEST_ENGINE (packages/docker/test/support/testEngine.ts says what each one sets): docker-remote (the same
# Docker engine over tcp://127.0.0.1:2375 with the remote strategies forced) and podman (Podman's API socket).
#
# EFFECT_WHISK_SKIP_INSTALL=1 skips `npm ci` (for a local run on an already installed checkout).
# EFFECT_WHISK_TEST_ENGINES="docker-remote podman" names the other engines (empty: the local engine only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

STEPS=9
OTHER_ENGINES=${EFFECT_WHISK_TEST_ENGINES-docker-remote podman}
PODMAN_HOST=${EFFECT_WHISK_TEST_PODMAN_HOST:-unix:///run/podman/podman.sock}
# The suites every engine must pass; what is inherently local (runc, the cgroup freezer, json-file rotation, the
# engine fault proxy) runs on the local engine only, in the full run.
MATRIX_SUITES=(
  packages/docker/test/Lifecycle.integration.test.ts
  packages/docker/test/ActionCalls.integration.test.ts
  packages/docker/test/Probe.integration.test.ts
  packages/docker/test/LogAttribution.integration.test.ts
  packages/docker/test/ContainerLogsLive.test.ts
  packages/cli/test/EndToEnd.test.ts
)
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

# The engines whose containers the leak check counts: Docker (docker-remote is the same engine) and Podman when the
# matrix runs on it.
LEAK_ENGINES=(docker)
case " $OTHER_ENGINES " in *" podman "*) LEAK_ENGINES+=(podman) ;; esac

on_engine() { # engine, docker CLI arguments...: the docker CLI against that engine
  local engine=$1
  shift
  if [ "$engine" = podman ]; then DOCKER_HOST=$PODMAN_HOST docker "$@"; else docker "$@"; fi
}

list_containers() { # engine, ids... -> `docker ps -a` lines for exactly those containers
  local engine=$1 filters=() id
  shift
  for id in "$@"; do filters+=(--filter "id=$id"); done
  on_engine "$engine" ps -a --no-trunc "${filters[@]}"
}

# Containers that were there before the tests are not the tests' doing; every other one at the end is a leak.
# Under CI the engines belong to this run, so every container at the end counts.
declare -A BEFORE=()
for engine in "${LEAK_ENGINES[@]}"; do
  ids=()
  [ "${CI:-}" = true ] || mapfile -t ids < <(on_engine "$engine" ps -aq --no-trunc 2>/dev/null || true)
  BEFORE[$engine]="${ids[*]-}"
  if [ "${#ids[@]}" != 0 ]; then
    echo "note: $engine already has ${#ids[@]} container(s); they are not the tests' and are left alone:"
    list_containers "$engine" "${ids[@]}"
  fi
done

check_leaks() {
  local status=$? now=() leaked=() id engine any=0
  for engine in "${LEAK_ENGINES[@]}"; do
    leaked=()
    mapfile -t now < <(on_engine "$engine" ps -aq --no-trunc 2>/dev/null || true)
    for id in "${now[@]}"; do
      case " ${BEFORE[$engine]-} " in *" $id "*) ;; *) leaked+=("$id") ;; esac
    done
    if [ "${#leaked[@]}" != 0 ]; then
      any=1
      {
        echo
        echo "FAIL: the tests left ${#leaked[@]} container(s) on $engine; removing them:"
        list_containers "$engine" "${leaked[@]}" || true
      } >&2
      on_engine "$engine" rm -f "${leaked[@]}" >/dev/null || true
    fi
  done
  if [ "$any" = 1 ]; then
    [ "$status" != 0 ] || status=1
  elif [ "$status" = 0 ]; then
    echo "no containers left behind (${LEAK_ENGINES[*]})"
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

step "the engine matrix's suites on the other engines (${OTHER_ENGINES:-none})"
matrix_status=0
for engine in $OTHER_ENGINES; do
  echo "-- EFFECT_WHISK_TEST_ENGINE=$engine: ${MATRIX_SUITES[*]}"
  engine_status=0
  EFFECT_WHISK_TEST_ENGINE=$engine npx vitest run --project docker --project cli \
    --reporter=default --reporter=json --outputFile.json=".cache/vitest-report-$engine.json" "${MATRIX_SUITES[@]}" || engine_status=$?
  ENGINE=$engine node -e '
    const r = JSON.parse(require("fs").readFileSync(`.cache/vitest-report-${process.env.ENGINE}.json`, "utf8"))
    console.log(`vitest on ${process.env.ENGINE}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
  ' || true
  [ "$engine_status" = 0 ] || matrix_status=$engine_status
done
[ "$matrix_status" = 0 ] || exit "$matrix_status"

step "the packages as a user installs them (scripts/check-packages.sh)"
bash scripts/check-packages.sh

step "no containers left behind"
# check_leaks runs on exit, here and after any failure above.
