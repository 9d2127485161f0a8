#!/usr/bin/env bash
# Builds the action runtime image effect-whisk/runtime-nodejs:<version> locally, FROM scratch, from the host's
# node binary; does nothing when the image is already current. Options: --force, --verbose.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -b packages/runtime-nodejs/tsconfig.src.json
exec node packages/runtime-nodejs/dist/buildImageMain.js "$@"
