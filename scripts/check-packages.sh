#!/usr/bin/env bash
# Packs every published package with `npm pack`, installs the tarballs into a scratch project outside the repository
# (effect, dockerode and the rest come from the npm registry), and there: typechecks and runs a program on the real
# engine (scripts/package-check/program.ts, which must leave no container), runs a test of user code on the test
# Layers (scripts/package-check/user.test.ts), runs the installed `effect-whisk` command, and checks that the project
# holds exactly one copy of effect. Needs the engine and the runtime image (scripts/test.sh brings both up first).
#
# EFFECT_WHISK_KEEP_PACKAGE_CHECK=1 keeps the scratch project (its path is printed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PREFIX=effect-whisk-package-check
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/effect-whisk-package-check.XXXXXX")
finish() {
  local status=$?
  if [ "${EFFECT_WHISK_KEEP_PACKAGE_CHECK:-0}" = 1 ]; then echo "kept $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
  exit "$status"
}
trap finish EXIT
say() { printf 'package check: %s\n' "$*"; }
fail() { printf 'package check: FAIL: %s\n' "$*" >&2; exit 1; }

# The workspaces that are not private are the published set.
mapfile -t PACKAGES < <(node -e '
  const fs = require("fs")
  for (const dir of fs.readdirSync("packages").sort()) {
    const file = `packages/${dir}/package.json`
    if (fs.existsSync(file) && !JSON.parse(fs.readFileSync(file, "utf8")).private) console.log(`packages/${dir}`)
  }')
[ "${#PACKAGES[@]}" != 0 ] || fail "no published package under packages/"

say "npm pack ${PACKAGES[*]}"
mkdir -p "$SCRATCH/tarballs" "$SCRATCH/app"
workspaces=()
for package in "${PACKAGES[@]}"; do workspaces+=(-w "$package"); done
npm pack "${workspaces[@]}" --pack-destination "$SCRATCH/tarballs" --silent >/dev/null

# The scratch project depends on the tarballs and on what the README tells a user to install, at the versions the
# repository uses; its dev tools are the repository's.
node - "$SCRATCH" <<'NODE'
const fs = require("fs")
const path = require("path")
const scratch = process.argv[2]
const read = (file) => JSON.parse(fs.readFileSync(file, "utf8"))
const root = read("package.json")
const docker = read("packages/docker/package.json")
const dependencies = {}
for (const tarball of fs.readdirSync(path.join(scratch, "tarballs")).sort()) {
  const name = tarball.replace(/^effect-whisk-(.*)-\d+\.\d+\.\d+\.tgz$/, "@effect-whisk/$1")
  dependencies[name] = `file:../tarballs/${tarball}`
}
for (const peer of Object.keys(docker.peerDependencies)) dependencies[peer] = docker.devDependencies[peer]
const devDependencies = {}
for (const tool of ["@effect/vitest", "@types/node", "typescript", "vitest"]) devDependencies[tool] = root.devDependencies[tool]
const app = { name: "effect-whisk-package-check", private: true, type: "module", dependencies, devDependencies }
fs.writeFileSync(path.join(scratch, "app", "package.json"), `${JSON.stringify(app, null, 2)}\n`)
NODE
cp scripts/package-check/program.ts scripts/package-check/user.test.ts scripts/package-check/tsconfig.json "$SCRATCH/app/"
cd "$SCRATCH/app"

say "npm install in $SCRATCH/app"
npm install --prefer-offline --no-audit --no-fund --loglevel=error

copies=$(npm ls effect --all --parseable | sort -u)
[ "$(printf '%s\n' "$copies" | grep -c .)" = 1 ] || fail "more than one copy of effect installed:
$copies"
say "one copy of effect: $copies"

say "tsc (the program and the test against the installed packages' types)"
npx tsc -p .

say "the program on the real engine"
output=$(PACKAGE_CHECK_PREFIX=$PREFIX node out/program.js)
echo "$output"
# Its answer is the one JSON line among the live layer's log lines.
expected='{"statusCode":0,"result":{"hi":"package"}}'
grep -qxF "$expected" <<<"$output" || fail "the program did not print $expected"
left=$(docker ps -aq --filter "name=${PREFIX}_")
if [ -n "$left" ]; then
  docker rm -f $left >/dev/null || true
  fail "the program left container(s) $left"
fi

say "a test of user code on the test Layers"
npx vitest run user.test.ts

say "the installed command"
version=$(npx --no-install effect-whisk --version)
[ "$version" = "$(node -p 'require("./node_modules/@effect-whisk/cli/package.json").version')" ] ||
  fail "effect-whisk --version printed '$version'"
say "effect-whisk $version"

say "passed"
