#!/usr/bin/env bash
# Build the local images of the data stack (everything but Kibana) without a
# container registry: a debootstrapped Debian base, and each service's real
# software fetched on the host with its ordinary client (mvn, pip, go) and
# COPYed in. See infra/README.md.
#
# Usage: infra/scripts/build-images.sh [kafka|elasticsearch|spark|s3 ...]   (default: all)
#
# Cached: a build is skipped when its tag (which encodes the software version and
# a revision, e.g. bf-local/kafka:4.1.1-1) already exists; downloads are kept in
# ${BF_CACHE:-$HOME/.cache/bf} (outside the repository).
#
# Env:
#   BF_CACHE          cache directory (default ~/.cache/bf)
#   BF_FORCE_REBUILD  1 = rebuild even if the tag exists (downloads stay cached)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
IMAGES_DIR="$INFRA_DIR/images"
export BF_CACHE="${BF_CACHE:-$HOME/.cache/bf}"

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../images/versions.env
set -a; . "$IMAGES_DIR/versions.env"; set +a

ALL_SERVICES=(kafka elasticsearch spark s3)

image_tag() {
  case "$1" in
    kafka) echo "bf-local/kafka:${KAFKA_VERSION}-${KAFKA_REV}" ;;
    elasticsearch) echo "bf-local/elasticsearch:${ES_VERSION}-${ES_REV}" ;;
    spark) echo "bf-local/spark:${SPARK_VERSION}-${SPARK_REV}" ;;
    s3) echo "bf-local/seaweedfs:${SEAWEEDFS_VERSION}-${SEAWEEDFS_REV}" ;;
    *) die "unknown service '$1' (known: ${ALL_SERVICES[*]})" ;;
  esac
}

needs_java17() { [[ "$1" == kafka || "$1" == spark ]]; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# The legacy builder is what this machine has (no buildx); BuildKit also works where present.
if ! docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT=0; fi

docker info >/dev/null 2>&1 || die "docker engine not reachable; run infra/scripts/provision-docker.sh first"

# Copy the host's extra CA certificates (TLS interception) into a build context.
copy_host_cas() {
  local ctx="$1"
  mkdir -p "$ctx/ca-certificates"
  : > "$ctx/ca-certificates/.keep"
  local crt
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -e "$crt" ]] && cp "$crt" "$ctx/ca-certificates/"
  done
  return 0
}

docker_build() {
  local tag="$1" ctx="$2" logfile="$3"
  shift 3
  if ! docker build --pull=false -t "$tag" "$@" "$ctx" >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "docker build of $tag failed (full log: $logfile)"
  fi
}

ensure_base() {
  if image_exists "$BASE_IMAGE"; then log "base $BASE_IMAGE: cached"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap missing; run infra/scripts/provision-docker.sh (it installs it) or apt-get install debootstrap"
  local t0=$SECONDS root="$BF_CACHE/tmp/rootfs.$$"
  log "base $BASE_IMAGE: debootstrap --variant=minbase $DEBIAN_SUITE (about 30 s)"
  mkdir -p "$BF_CACHE/tmp" "$BF_CACHE/logs"
  rm -rf "$root"
  if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$BF_CACHE/logs/debootstrap.log" 2>&1; then
    tail -n 20 "$BF_CACHE/logs/debootstrap.log" >&2
    rm -rf "$root"
    die "debootstrap $DEBIAN_SUITE failed (log: $BF_CACHE/logs/debootstrap.log)"
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null \
    || die "docker import of $BASE_IMAGE failed"
  rm -rf "$root"
  log "base $BASE_IMAGE: built in $(fmt_secs $((SECONDS - t0)))"
}

ensure_java17() {
  if image_exists "$JAVA17_IMAGE"; then log "java17 $JAVA17_IMAGE: cached"; return; fi
  local t0=$SECONDS ctx="$BF_CACHE/context/java17"
  log "java17 $JAVA17_IMAGE: building (Debian openjdk-17-jre-headless)"
  rm -rf "$ctx"; mkdir -p "$ctx" "$BF_CACHE/logs"
  cp -a "$IMAGES_DIR/java17/." "$ctx/"
  copy_host_cas "$ctx"
  docker_build "$JAVA17_IMAGE" "$ctx" "$BF_CACHE/logs/build-java17.log" --build-arg "BASE_IMAGE=$BASE_IMAGE"
  log "java17 $JAVA17_IMAGE: built in $(fmt_secs $((SECONDS - t0)))"
}

check_compose_local_tag() {
  local tag="$1" file="$INFRA_DIR/compose.local.yml"
  grep -q "image: $tag\$" "$file" \
    || die "tag $tag is not what $file uses; update one of versions.env / compose.local.yml so they agree"
}

build_service() {
  local svc="$1" tag t0=$SECONDS
  tag="$(image_tag "$svc")"
  check_compose_local_tag "$tag"
  if image_exists "$tag" && [[ "${BF_FORCE_REBUILD:-0}" != 1 ]]; then
    log "$svc $tag: cached"
    return
  fi
  [[ -f "$IMAGES_DIR/$svc/Dockerfile" && -x "$IMAGES_DIR/$svc/fetch.sh" ]] \
    || die "missing $IMAGES_DIR/$svc/Dockerfile or executable fetch.sh"
  local ctx="$BF_CACHE/context/$svc"
  log "$svc $tag: fetching artifacts on the host"
  rm -rf "$ctx"; mkdir -p "$ctx" "$BF_CACHE/logs"
  cp -a "$IMAGES_DIR/$svc/." "$ctx/"
  copy_host_cas "$ctx"
  "$IMAGES_DIR/$svc/fetch.sh" "$ctx" || die "$svc: fetch.sh failed (see messages above)"
  local t1=$SECONDS
  log "$svc $tag: artifacts ready in $(fmt_secs $((t1 - t0))); docker build"
  docker_build "$tag" "$ctx" "$BF_CACHE/logs/build-$svc.log" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "JAVA17_IMAGE=$JAVA17_IMAGE"
  rm -rf "$ctx/artifacts"   # the image holds them now; downloads stay in $BF_CACHE/downloads
  log "$svc $tag: built in $(fmt_secs $((SECONDS - t0))) (fetch $(fmt_secs $((t1 - t0))), build $(fmt_secs $((SECONDS - t1))))"
}

main() {
  local services=("$@")
  [[ ${#services[@]} -gt 0 ]] || services=("${ALL_SERVICES[@]}")
  local svc
  for svc in "${services[@]}"; do image_tag "$svc" >/dev/null; done   # validate names first
  local start=$SECONDS
  mkdir -p "$BF_CACHE"
  ensure_base
  for svc in "${services[@]}"; do
    if needs_java17 "$svc"; then ensure_java17; break; fi
  done
  for svc in "${services[@]}"; do build_service "$svc"; done
  log "done: ${services[*]} in $(fmt_secs $((SECONDS - start)))"
}

main "$@"
