#!/usr/bin/env bash
# Make a Docker engine and the Compose v2 plugin available on this machine.
#
# Idempotent: when `docker info` answers and `docker compose version` reports v2
# (a GitHub runner has both), it does nothing. Otherwise (Debian bookworm host
# with only a docker client) it installs the engine from bookworm, starts dockerd
# in the background and installs Compose v2 from Debian trixie's docker-compose
# package into ~/.docker/cli-plugins, without touching the system's sources.
#
# Env:
#   BF_DOCKERD_LOG          dockerd log file (default /var/log/dockerd.log)
#   BF_DOCKERD_WAIT_SECONDS how long to wait for the engine (default 60)
set -euo pipefail

log() { printf '[provision-docker] %s\n' "$*" >&2; }
die() { printf '[provision-docker] ERROR: %s\n' "$*" >&2; exit 1; }

DOCKERD_LOG="${BF_DOCKERD_LOG:-/var/log/dockerd.log}"
WAIT_SECONDS="${BF_DOCKERD_WAIT_SECONDS:-60}"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

engine_ok() { docker info >/dev/null 2>&1; }
compose_ok() {
  local v
  v="$(docker compose version --short 2>/dev/null || true)"
  [[ "$v" =~ ^v?2\. ]]
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

ensure_engine() {
  if engine_ok; then log "docker engine: already running"; return; fi
  command -v apt-get >/dev/null || die "no running docker engine and no apt-get to install one; install Docker manually"
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v iptables >/dev/null; then
    log "installing docker.io debootstrap iptables from the distribution"
    as_root apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io debootstrap iptables >/dev/null \
      || die "apt-get install docker.io debootstrap iptables failed"
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
    # setsid: detach from this shell's session so dockerd outlives the script. Descriptors above 2 are closed
    # first: dockerd lives on after the script, and an inherited one (a caller's `flock LOCK bash .ci/run` lock)
    # would stay held for as long as dockerd runs.
    as_root setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}
        if ((fd > 2)) && [[ -e /proc/$$/fd/$fd ]]; then eval "exec $fd>&-"; fi
      done
      exec /usr/sbin/dockerd' >>"$DOCKERD_LOG" 2>&1 < /dev/null &
  else
    log "dockerd process exists; waiting for it to answer"
  fi
  local waited=0
  until engine_ok; do
    if (( waited >= WAIT_SECONDS )); then
      log "last lines of $DOCKERD_LOG:"
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "docker engine did not answer 'docker info' within ${WAIT_SECONDS}s; see $DOCKERD_LOG"
    fi
    sleep 1; waited=$((waited + 1))
  done
  log "docker engine up after ${waited}s: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
}

# Compose v2 is not in bookworm; trixie's docker-compose is a static Go binary.
ensure_compose() {
  if compose_ok; then log "docker compose: $(docker compose version --short)"; return; fi
  command -v apt-get >/dev/null || die "docker compose v2 missing and no apt-get; install the compose plugin manually"
  local work
  work="$(mktemp -d)"
  chmod 0755 "$work"  # let apt's _apt user write its downloads (avoids "unsandboxed" warnings)
  trap 'rm -rf "$work"; trap - RETURN' RETURN
  mkdir -p "$work/lists/partial" "$work/archives"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -f "$keyring" ]] || die "missing $keyring (package debian-archive-keyring)"
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian trixie main" > "$work/trixie.list"
  local opts=(-o "Dir::Etc::SourceList=$work/trixie.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives")
  log "fetching docker-compose from Debian trixie (separate sources list; system untouched)"
  apt-get "${opts[@]}" update -qq || die "apt-get update for the trixie sources list failed"
  if ! (cd "$work" && apt-get "${opts[@]}" download docker-compose >/dev/null 2>"$work/download.err"); then
    cat "$work/download.err" >&2
    die "apt-get download docker-compose (trixie) failed"
  fi
  local deb
  deb="$(ls "$work"/docker-compose_*.deb 2>/dev/null | head -n1)"
  [[ -n "$deb" ]] || die "docker-compose .deb not found after download"
  dpkg-deb -x "$deb" "$work/x"
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  compose_ok || die "installed $PLUGIN_DIR/docker-compose but 'docker compose version' is not v2"
  log "docker compose: $(docker compose version --short) (from $(basename "$deb"))"
}

ensure_engine
ensure_compose
