#!/usr/bin/env bash
# From a fresh clone to a first activation: installs the dependencies (when node_modules is missing or older than
# package-lock.json), builds the packages, makes sure a Docker engine runs (scripts/ensure-engine.sh; installing it
# needs root on Debian/Ubuntu), builds the Node.js runtime image unless it is current, and invokes
# examples/hello.js, printing its result, its logs and the time each step took. A second run rebuilds nothing.
#
#   bash scripts/quickstart.sh [invoke options...]     e.g. --param name=Ada --repeat 3
#
# Exits with the activation's status (0 success, 1 application error, 2 developer error, 3 internal error).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

STEPS=5
STEP=0
step() {
  STEP=$((STEP + 1))
  printf '\n==> quickstart [%d/%d] %s\n' "$STEP" "$STEPS" "$*"
}
die() { echo "quickstart: error: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node is not installed; install Node.js 20 or later (with npm) and run this again"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || die "node $(node --version) is too old; install Node.js 20 or later"
command -v npm >/dev/null 2>&1 || die "npm is not installed; install it with Node.js 20 or later"

step "dependencies (npm ci)"
# npm records what it installed in node_modules/.package-lock.json; a newer package-lock.json means a stale install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is up to date with package-lock.json"
fi

step "build the command and the packages it uses (npx tsc -b packages/cli/tsconfig.src.json)"
# The sources only: the tests are typechecked by scripts/test.sh.
npx tsc -b packages/cli/tsconfig.src.json
echo "built"

step "Docker engine (scripts/ensure-engine.sh)"
bash scripts/ensure-engine.sh

step "runtime image (scripts/build-runtime-image.sh, the same as effect-whisk runtime build)"
# The plain build script starts faster than the command; --verbose shows the docker build output when it builds.
bash scripts/build-runtime-image.sh --verbose

step "invoke examples/hello.js"
exec node packages/cli/bin/effect-whisk.js invoke examples/hello.js "$@"
