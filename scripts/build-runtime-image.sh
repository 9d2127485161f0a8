#!/usr/bin/env bash
# Builds the action runtime image effect-whisk/runtime-nodejs:<version> locally, FROM scratch, from the host's
# node binary; does nothing when the image is already current. Options: --force, --verbose.
# When Podman's API service answers (EFFECT_WHISK_PODMAN_SOCKET, default /run/podman/podman.sock), the same image is
# loaded into Podman too (`docker save | docker load` at its socket), unless Podman already holds that image id.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -b packages/runtime-nodejs/tsconfig.src.json
node packages/runtime-nodejs/dist/buildImageMain.js "$@"

PODMAN_SOCKET=${EFFECT_WHISK_PODMAN_SOCKET:-/run/podman/podman.sock}
PODMAN_HOST=unix://$PODMAN_SOCKET
[ "${DOCKER_HOST:-}" != "$PODMAN_HOST" ] || exit 0 # built there already
[ -S "$PODMAN_SOCKET" ] && [ "$(curl -s -m 5 --unix-socket "$PODMAN_SOCKET" http://localhost/_ping 2>/dev/null)" = OK ] || exit 0
IMAGE="effect-whisk/runtime-nodejs:$(node -p 'require("./packages/runtime-nodejs/package.json").version')"
WANTED=$(docker image inspect --format '{{.Id}}' "$IMAGE")
HELD=$(DOCKER_HOST=$PODMAN_HOST docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
if [ "$WANTED" = "$HELD" ]; then
  echo "podman: $IMAGE is current on $PODMAN_HOST"
else
  docker save "$IMAGE" | DOCKER_HOST=$PODMAN_HOST docker load >/dev/null
  echo "podman: loaded $IMAGE into $PODMAN_HOST"
fi
