#!/usr/bin/env bash
# Brings up what the integration tests drive: a Docker engine, runc, busybox-static (for images built FROM scratch), unzip,
# the same engine reached over TCP on 127.0.0.1:2375 (the tests' "remote" engine), a plain-HTTP registry on
# 127.0.0.1:5000, and Podman's Docker-compatible API service on its own socket (the suites run against it too).
# Whatever already answers is used as it is, so a second run only checks. One line per step on stdout.
# Talks to local sockets and 127.0.0.1 only.
#
#   scripts/ensure-engine.sh [--dry-run]
#
# --dry-run (or EFFECT_WHISK_DRY_RUN=1) checks everything but prints the install / start commands instead of running
# them. Honoured: DOCKER_HOST (unix:// socket, or a tcp:// loopback engine that must already run; Podman's socket
# counts as Podman's, and the Docker engine is then the default one), EFFECT_WHISK_PODMAN_SOCKET (default
# /run/podman/podman.sock), EFFECT_WHISK_LOG_DIR (default /var/log), EFFECT_WHISK_ENGINE_WAIT_SECONDS (default 60).
set -euo pipefail

# Non-login root shells sometimes lack the sbin directories, where dockerd and runc live.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REGISTRY_CONFIG="$ROOT/scripts/registry/config.yml"
REGISTRY_DIR=/var/lib/effect-whisk-registry # the rootdirectory in scripts/registry/config.yml
REGISTRY_URL=http://127.0.0.1:5000/v2/
REGISTRY_PIDFILE=/run/effect-whisk-registry.pid
REGISTRY_WAIT_SECONDS=30
# The engine over TCP, without TLS: loopback only, never another interface (it gives root to whoever connects).
TCP_ENGINE_PORT=2375
TCP_ENGINE_URL=http://127.0.0.1:$TCP_ENGINE_PORT
TCP_FORWARDER_PIDFILE=/run/effect-whisk-engine-tcp.pid
ENGINE_WAIT_SECONDS=${EFFECT_WHISK_ENGINE_WAIT_SECONDS:-60}
LOG_DIR=${EFFECT_WHISK_LOG_DIR:-/var/log}
DRY_RUN=${EFFECT_WHISK_DRY_RUN:-0}

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
  esac
done

say() { echo "ensure-engine: $*"; }
die() { echo "ensure-engine: error: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
dry() { [ "$DRY_RUN" = 1 ]; }
is_root() { [ "$(id -u)" = 0 ]; }
alive() { # pidfile, process name: that process runs (a pid reused by something else does not count)
  local pid
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# Two runs at once (parallel CI jobs, a test run and a developer) would both start a dockerd or a registry.
if have flock; then
  if [ -w /run ]; then LOCK=/run/effect-whisk-ensure-engine.lock; else LOCK=/tmp/effect-whisk-ensure-engine.lock; fi
  exec 9>>"$LOCK"
  flock -w 180 9 || die "another run of this script has held $LOCK for over 180s"
fi

log_file() {
  # Falls back to /tmp when the log directory is not writable (e.g. not root), so a failure still leaves a log.
  if mkdir -p "$LOG_DIR" 2>/dev/null && [ -w "$LOG_DIR" ]; then echo "$LOG_DIR/$1"; else echo "/tmp/$1"; fi
}

show_log_tail() {
  echo "---- last lines of $1 ----" >&2
  tail -n 40 "$1" >&2 2>/dev/null || true
  echo "----" >&2
}

# ---- where the engines are -----------------------------------------------------------------------------------------
PODMAN_SOCKET=${EFFECT_WHISK_PODMAN_SOCKET:-/run/podman/podman.sock}
PODMAN_HOST=unix://$PODMAN_SOCKET
# DOCKER_HOST at Podman's socket (a run of the suites against Podman): Podman is step 5's, dockerd the default one's.
if [ "${DOCKER_HOST:-}" = "$PODMAN_HOST" ]; then unset DOCKER_HOST; fi
ENGINE_SOCKET=/var/run/docker.sock
case "${DOCKER_HOST:-}" in
  "") ;;
  unix://*) ENGINE_SOCKET=${DOCKER_HOST#unix://} ;;
  tcp://127.0.0.1:* | tcp://localhost:* | "tcp://[::1]:"*) ENGINE_SOCKET="" ;;
  *) die "DOCKER_HOST=$DOCKER_HOST is neither a unix socket nor a loopback address; this script only uses a local engine" ;;
esac
ENGINE_NAME=${DOCKER_HOST:-unix://$ENGINE_SOCKET}
case "$ENGINE_SOCKET" in
  # dockerd's own default pidfile, so an engine started by hand is recognised too.
  /var/run/docker.sock | /run/docker.sock | "") DOCKERD_PIDFILE=/var/run/docker.pid ;;
  *) DOCKERD_PIDFILE=${ENGINE_SOCKET%.sock}.pid ;;
esac

engine_answers() {
  if have docker; then
    timeout 15 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
  elif [ -n "$ENGINE_SOCKET" ] && have curl; then
    [ "$(curl -s -m 10 --unix-socket "$ENGINE_SOCKET" http://localhost/_ping 2>/dev/null)" = OK ]
  else
    return 1
  fi
}

engine_version() {
  if have docker; then
    timeout 15 docker version --format '{{.Server.Version}}' 2>/dev/null
  else
    curl -s -m 10 --unix-socket "$ENGINE_SOCKET" http://localhost/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p'
  fi
}

registry_status() {
  # The HTTP status of GET /v2/, or 000 when nothing listens (or curl is not installed yet, in a dry run).
  local code=""
  if have curl; then code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$REGISTRY_URL" 2>/dev/null || true); fi
  echo "${code:-000}"
}

# ---- step 1: packages -----------------------------------------------------------------------------------------------
ENGINE_UP=0
if engine_answers; then ENGINE_UP=1; fi

MISSING=()
need() { case " ${MISSING[*]-} " in *" $1 "*) ;; *) MISSING+=("$1") ;; esac; }
have docker || need docker.io # the CLI: test.sh and the image build scripts use it
[ "$ENGINE_UP" = 1 ] || have dockerd || need docker.io
have runc || need runc
have docker-registry || need docker-registry
have curl || need curl
have unzip || need unzip # the CLI's zip archives are checked against it
have socat || need socat # forwards 127.0.0.1:2375 to an engine that was started without its TCP listener
# The runtime image copies /bin/busybox into a FROM-scratch image, so it must be the static build.
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then need busybox-static; fi

# Podman is installed where this script may install; elsewhere step 5 says what is missing and the rest goes on.
if ! have podman && is_root && have apt-get; then need podman; fi

if [ "${#MISSING[@]}" = 0 ]; then
  say "packages: docker CLI, runc, docker-registry, curl, unzip, socat, static /bin/busybox$(have podman && echo " and podman") are present"
else
  if ! is_root || ! have apt-get; then
    die "missing: ${MISSING[*]}. Install these Debian/Ubuntu packages (apt-get install -y ${MISSING[*]}) or run this script as root on Debian/Ubuntu"
  fi
  if dry; then
    say "packages: would run: apt-get update && apt-get install -y --no-install-recommends ${MISSING[*]}"
  else
    APT_LOG=$(log_file effect-whisk-apt.log)
    # The packages' maintainer scripts would start the distribution's own dockerd and registry (on :5000, all
    # interfaces, with htpasswd auth). A policy-rc.d that answers 101 stops them; the ones we start come below.
    POLICY=/usr/sbin/policy-rc.d
    ADDED_POLICY=0
    if [ ! -e "$POLICY" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$POLICY" && chmod +x "$POLICY" && ADDED_POLICY=1
      trap '[ "$ADDED_POLICY" = 1 ] && rm -f "$POLICY"' EXIT
    fi
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${MISSING[@]}"; } >>"$APT_LOG" 2>&1; then
      show_log_tail "$APT_LOG"
      die "apt-get could not install ${MISSING[*]} (log: $APT_LOG)"
    fi
    if [ "$ADDED_POLICY" = 1 ]; then rm -f "$POLICY"; ADDED_POLICY=0; fi
    say "packages: installed ${MISSING[*]} (log: $APT_LOG)"
  fi
fi

# ---- step 2: the engine ---------------------------------------------------------------------------------------------
wait_for_engine() { # pid to watch -> 0 once the engine answers, 1 if that process ended first; dies on timeout
  local deadline=$((SECONDS + ENGINE_WAIT_SECONDS))
  until engine_answers; do
    kill -0 "$1" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 2
    sleep 1
  done
}

start_dockerd() {
  is_root || die "no engine answers on $ENGINE_NAME and starting dockerd needs root; start it (sudo dockerd) or set DOCKER_HOST"
  # The TCP listener is the tests' remote engine. On a loopback address dockerd 20.10 only logs that it is insecure
  # and waits 1 s; its 15 s slow-down and the coming refusal are for non-TLS listeners on other addresses.
  local log args=(--host "unix://$ENGINE_SOCKET" --host "tcp://127.0.0.1:$TCP_ENGINE_PORT" --pidfile "$DOCKERD_PIDFILE") pid status=0
  log=$(log_file effect-whisk-dockerd.log)
  if dry; then
    say "engine: would run: setsid nohup dockerd ${args[*]} >>$log 2>&1 & and wait up to ${ENGINE_WAIT_SECONDS}s"
    return
  fi
  # setsid + nohup: the engine outlives this script and the CI step's process group. 9>&-: it must not hold the lock.
  setsid nohup dockerd "${args[@]}" </dev/null >>"$log" 2>&1 9>&- &
  pid=$!
  wait_for_engine "$pid" || status=$?
  case "$status" in
    0) say "engine: started dockerd (pid $pid, log: $log) on $ENGINE_NAME" ;;
    1) show_log_tail "$log"; die "dockerd (pid $pid) exited before answering on $ENGINE_NAME (log: $log)" ;;
    *) show_log_tail "$log"; die "dockerd (pid $pid) did not answer on $ENGINE_NAME within ${ENGINE_WAIT_SECONDS}s (log: $log)" ;;
  esac
}

if [ "$ENGINE_UP" = 1 ]; then
  say "engine: using the engine that answers on $ENGINE_NAME"
elif [ -z "$ENGINE_SOCKET" ]; then
  die "no engine answers on DOCKER_HOST=$DOCKER_HOST; this script only starts engines on a unix socket, start that one yourself"
elif [ -S "$ENGINE_SOCKET" ] && ! { [ -r "$ENGINE_SOCKET" ] && [ -w "$ENGINE_SOCKET" ]; }; then
  die "$ENGINE_SOCKET exists but $(id -un) may not use it; run as root or join the socket's group ($(stat -c %G "$ENGINE_SOCKET"))"
elif alive "$DOCKERD_PIDFILE" dockerd; then
  # Still starting (by hand or from a concurrent run) or shutting down: a second dockerd would fight it, so wait.
  RUNNING_PID=$(cat "$DOCKERD_PIDFILE")
  if dry; then
    say "engine: dockerd (pid $RUNNING_PID) runs but does not answer yet; would wait up to ${ENGINE_WAIT_SECONDS}s"
  else
    STATUS=0
    wait_for_engine "$RUNNING_PID" || STATUS=$?
    case "$STATUS" in
      0) say "engine: waited for the already running dockerd (pid $RUNNING_PID) to answer on $ENGINE_NAME" ;;
      1) start_dockerd ;; # it was shutting down
      *) die "dockerd (pid $RUNNING_PID) runs but has not answered on $ENGINE_NAME for ${ENGINE_WAIT_SECONDS}s; look at its log or stop it" ;;
    esac
  fi
else
  start_dockerd
fi

# ---- step 3: runc and the engine version ---------------------------------------------------------------------------
if have runc; then
  RUNC_VERSION=$(runc --version 2>/dev/null || true)
  say "runc: $(command -v runc) (${RUNC_VERSION%%$'\n'*})"
elif dry; then
  say "runc: not installed yet (the install above would bring it)"
else
  die "runc is not on PATH even after installing it"
fi
if dry && ! engine_answers; then
  say "version: unknown (no engine answers yet)"
else
  VERSION=$(engine_version) || true
  [ -n "$VERSION" ] || die "the engine on $ENGINE_NAME did not report a version"
  say "version: Docker engine $VERSION"
fi

# ---- step 4: the engine over TCP on 127.0.0.1:2375 ----------------------------------------------------------------
tcp_engine_status() { # what answers GET /_ping on 127.0.0.1:2375: OK for an engine, 000 for nothing
  local body=""
  if have curl; then body=$(curl -s -m 5 "$TCP_ENGINE_URL/_ping" 2>/dev/null || true); fi
  if [ "$body" = OK ]; then echo OK; elif curl -s -o /dev/null -m 5 "$TCP_ENGINE_URL/" 2>/dev/null; then echo other; else echo 000; fi
}

wait_for_tcp_engine() { # pid to watch -> 0 once the engine answers on :2375, 1 if that process ended first, 2 on timeout
  local deadline=$((SECONDS + 10))
  until [ "$(tcp_engine_status)" = OK ]; do
    kill -0 "$1" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 2
    sleep 0.2
  done
}

start_tcp_forwarder() {
  local log pid status=0
  log=$(log_file effect-whisk-engine-tcp.log)
  if dry; then
    say "engine over tcp: would run: setsid nohup socat TCP-LISTEN:$TCP_ENGINE_PORT,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:$ENGINE_SOCKET &"
    return
  fi
  # The engine that runs is left alone (other programs use it); a forwarder gives it the listener it lacks.
  setsid nohup socat "TCP-LISTEN:$TCP_ENGINE_PORT,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$ENGINE_SOCKET" </dev/null >>"$log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$TCP_FORWARDER_PIDFILE" 2>/dev/null || true
  wait_for_tcp_engine "$pid" || status=$?
  case "$status" in
    0) say "engine over tcp: started socat (pid $pid, log: $log) forwarding tcp://127.0.0.1:$TCP_ENGINE_PORT to $ENGINE_SOCKET" ;;
    1) show_log_tail "$log"; die "socat (pid $pid) exited before the engine answered on tcp://127.0.0.1:$TCP_ENGINE_PORT (log: $log)" ;;
    *) show_log_tail "$log"; die "the engine did not answer on tcp://127.0.0.1:$TCP_ENGINE_PORT within 10s through socat (pid $pid, log: $log)" ;;
  esac
}

case "$(tcp_engine_status)" in
  OK) say "engine over tcp: using the engine that answers on tcp://127.0.0.1:$TCP_ENGINE_PORT" ;;
  other) die "something else answers on 127.0.0.1:$TCP_ENGINE_PORT (not a Docker engine); free that port for the tests' remote engine" ;;
  *)
    if [ -z "$ENGINE_SOCKET" ]; then
      die "no engine answers on tcp://127.0.0.1:$TCP_ENGINE_PORT and DOCKER_HOST=$DOCKER_HOST is no socket to forward there; start the engine with --host tcp://127.0.0.1:$TCP_ENGINE_PORT"
    elif alive "$TCP_FORWARDER_PIDFILE" socat && ! dry; then
      RUNNING_PID=$(cat "$TCP_FORWARDER_PIDFILE")
      STATUS=0
      wait_for_tcp_engine "$RUNNING_PID" || STATUS=$?
      case "$STATUS" in
        0) say "engine over tcp: waited for the already running socat (pid $RUNNING_PID) on tcp://127.0.0.1:$TCP_ENGINE_PORT" ;;
        1) start_tcp_forwarder ;;
        *) die "socat (pid $RUNNING_PID) runs but the engine has not answered through it on tcp://127.0.0.1:$TCP_ENGINE_PORT; stop it" ;;
      esac
    else
      start_tcp_forwarder
    fi
    ;;
esac

# ---- step 5: the registry -------------------------------------------------------------------------------------------
wait_for_registry() { # pid to watch -> 0 once /v2/ answers 200, 1 if that process ended first, 2 on timeout
  local deadline=$((SECONDS + REGISTRY_WAIT_SECONDS))
  until [ "$(registry_status)" = 200 ]; do
    kill -0 "$1" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 2
    sleep 0.5
  done
}

start_registry() {
  local log pid status=0
  log=$(log_file effect-whisk-registry.log)
  if dry; then
    say "registry: would run: mkdir -p $REGISTRY_DIR && setsid nohup docker-registry serve $REGISTRY_CONFIG >>$log 2>&1 &"
    return
  fi
  mkdir -p "$REGISTRY_DIR" 2>/dev/null || die "cannot create the registry storage $REGISTRY_DIR (run as root)"
  setsid nohup docker-registry serve "$REGISTRY_CONFIG" </dev/null >>"$log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$REGISTRY_PIDFILE" 2>/dev/null || true
  wait_for_registry "$pid" || status=$?
  case "$status" in
    0) say "registry: started docker-registry (pid $pid, storage $REGISTRY_DIR, log: $log) on $REGISTRY_URL" ;;
    1) show_log_tail "$log"; die "docker-registry (pid $pid) exited before answering on $REGISTRY_URL (log: $log)" ;;
    *) show_log_tail "$log"; die "$REGISTRY_URL did not answer 200 within ${REGISTRY_WAIT_SECONDS}s (last status $(registry_status), log: $log)" ;;
  esac
}

REGISTRY_CODE=$(registry_status)
case "$REGISTRY_CODE" in
  200) say "registry: using the registry that answers on $REGISTRY_URL" ;;
  000)
    if alive "$REGISTRY_PIDFILE" docker-registry; then
      # Still starting (from a concurrent run) or shutting down: wait, and start a fresh one if it goes away.
      RUNNING_PID=$(cat "$REGISTRY_PIDFILE")
      if dry; then
        say "registry: docker-registry (pid $RUNNING_PID) runs but does not answer yet; would wait up to ${REGISTRY_WAIT_SECONDS}s"
      else
        STATUS=0
        wait_for_registry "$RUNNING_PID" || STATUS=$?
        case "$STATUS" in
          0) say "registry: waited for the already running docker-registry (pid $RUNNING_PID) to answer on $REGISTRY_URL" ;;
          1) start_registry ;;
          *) die "docker-registry (pid $RUNNING_PID) runs but has not answered on $REGISTRY_URL for ${REGISTRY_WAIT_SECONDS}s; stop it" ;;
        esac
      fi
    else
      start_registry
    fi
    ;;
  *) die "something else answers on $REGISTRY_URL (HTTP $REGISTRY_CODE, expected 200 from a registry without auth); free 127.0.0.1:5000" ;;
esac

# ---- step 5: Podman's API service ----------------------------------------------------------------------------------
# Docker treats a loopback registry as plain HTTP by itself; Podman needs it said (read at each pull and push).
PODMAN_REGISTRY_CONF=/etc/containers/registries.conf.d/50-effect-whisk-registry.conf
PODMAN_REGISTRY_TEXT=$'[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true'
podman_registry() {
  if [ "$(cat "$PODMAN_REGISTRY_CONF" 2>/dev/null)" = "$PODMAN_REGISTRY_TEXT" ]; then
    say "podman: $PODMAN_REGISTRY_CONF lets Podman use the registry on 127.0.0.1:5000 over plain HTTP"
  elif ! is_root; then
    say "podman: cannot write $PODMAN_REGISTRY_CONF (not root); Podman will refuse the plain-HTTP registry on 127.0.0.1:5000"
  elif dry; then
    say "podman: would write $PODMAN_REGISTRY_CONF (the registry on 127.0.0.1:5000 over plain HTTP)"
  else
    mkdir -p "$(dirname "$PODMAN_REGISTRY_CONF")" && printf '%s\n' "$PODMAN_REGISTRY_TEXT" >"$PODMAN_REGISTRY_CONF"
    say "podman: wrote $PODMAN_REGISTRY_CONF (the registry on 127.0.0.1:5000 over plain HTTP)"
  fi
}
podman_answers() { [ -S "$PODMAN_SOCKET" ] && [ "$(curl -s -m 10 --unix-socket "$PODMAN_SOCKET" http://localhost/_ping 2>/dev/null)" = OK ]; }
podman_version() { curl -s -m 10 --unix-socket "$PODMAN_SOCKET" http://localhost/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | tail -n 1; }

# Before the service starts: a running service keeps the registry configuration it read first.
if have podman || podman_answers; then podman_registry; fi
if podman_answers; then
  say "podman: using the Podman service that answers on $PODMAN_HOST (Podman $(podman_version))"
elif ! have podman; then
  if dry; then
    say "podman: not installed yet (the install above would bring it)"
  else
    say "podman: not installed; the suites skip Podman here (install podman, as root on Debian/Ubuntu this script does)"
  fi
elif ! is_root; then
  die "no Podman service answers on $PODMAN_HOST and starting it on that socket needs root; start it (sudo podman system service --time=0 $PODMAN_HOST) or set EFFECT_WHISK_PODMAN_SOCKET"
elif dry; then
  say "podman: would run: setsid nohup podman system service --time=0 $PODMAN_HOST >>$(log_file effect-whisk-podman.log) 2>&1 & and wait up to ${ENGINE_WAIT_SECONDS}s"
else
  PODMAN_LOG=$(log_file effect-whisk-podman.log)
  mkdir -p "$(dirname "$PODMAN_SOCKET")"
  # --time=0: the service never exits for being idle. setsid + nohup: it outlives this script, as dockerd does.
  setsid nohup podman system service --time=0 "$PODMAN_HOST" </dev/null >>"$PODMAN_LOG" 2>&1 9>&- &
  PODMAN_PID=$!
  DEADLINE=$((SECONDS + ENGINE_WAIT_SECONDS))
  until podman_answers; do
    if ! kill -0 "$PODMAN_PID" 2>/dev/null; then
      show_log_tail "$PODMAN_LOG"; die "podman system service (pid $PODMAN_PID) exited before answering on $PODMAN_HOST (log: $PODMAN_LOG)"
    fi
    if [ "$SECONDS" -ge "$DEADLINE" ]; then
      show_log_tail "$PODMAN_LOG"; die "podman system service (pid $PODMAN_PID) did not answer on $PODMAN_HOST within ${ENGINE_WAIT_SECONDS}s (log: $PODMAN_LOG)"
    fi
    sleep 1
  done
  say "podman: started podman system service (pid $PODMAN_PID, log: $PODMAN_LOG) on $PODMAN_HOST (Podman $(podman_version))"
fi
