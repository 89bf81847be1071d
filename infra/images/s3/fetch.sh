#!/usr/bin/env bash
# Build SeaweedFS's `weed` binary on the host from the Go module proxy (cached by version)
# and put it into $1/artifacts/weed, with the module's docker/filer.toml (the official image's
# /etc/seaweedfs/filer.toml) next to it.
set -euo pipefail
ctx="$1"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

command -v go >/dev/null || die "go not found; install Go (the module needs $(printf 'go >= 1.26'))"
dl="$BF_CACHE/downloads/seaweedfs"
bin="$dl/weed-$SEAWEEDFS_MODULE_VERSION"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$dl"
  log "go mod download $SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION"
  # The module's go.mod has replace directives, so `go install pkg@version` refuses it:
  # download the module, copy it somewhere writable and build the weed command there.
  modjson="$(cd "$dl" && GOFLAGS=-mod=mod go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION")" \
    || die "go mod download $SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION failed"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$modjson")"
  [[ -d "$moddir" ]] || die "module directory not found in: $modjson"
  src="$dl/src"
  rm -rf "$src"; cp -r "$moddir" "$src"; chmod -R u+w "$src"
  commit="${SEAWEEDFS_MODULE_VERSION##*-}"
  log "go build weed (CGO off, static; several minutes on 2 cores)"
  (cd "$src/weed" && CGO_ENABLED=0 go build \
      -ldflags "-s -w -extldflags -static -X github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT=$commit" \
      -o "$bin.tmp" .) || die "go build of weed failed"
  mv "$bin.tmp" "$bin"
  rm -rf "$src"
fi
toml="$dl/filer-$SEAWEEDFS_MODULE_VERSION.toml"
if [[ ! -s "$toml" ]]; then
  modjson="$(cd "$dl" && GOFLAGS=-mod=mod go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION")" \
    || die "go mod download $SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION failed"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$modjson")"
  cp "$moddir/docker/filer.toml" "$toml.tmp" && mv "$toml.tmp" "$toml"
fi
mkdir -p "$ctx/artifacts"
cp "$bin" "$ctx/artifacts/weed"
cp "$toml" "$ctx/artifacts/filer.toml"
log "weed $("$ctx/artifacts/weed" version 2>/dev/null | head -n1)"
