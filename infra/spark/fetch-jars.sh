#!/usr/bin/env bash
# Fetch the jars listed in infra/spark/jars.txt from Maven Central into DIR (default: the cache dir bf uses,
# $BF_CACHE/spark-jars/<hash of jars.txt>), checking each jar's SHA-1 against the pinned one. Idempotent: a DIR
# that already holds every jar (marker file .complete) is left alone. Prints DIR on stdout.
#   infra/spark/fetch-jars.sh [DIR]
# Mirror: BF_MAVEN_REPO (default https://repo.maven.apache.org/maven2).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/jars.txt"
repo="${BF_MAVEN_REPO:-https://repo.maven.apache.org/maven2}"
key="$(grep -v '^#' "$list" | sha256sum | cut -c1-16)"
dir="${1:-${BF_CACHE:-$HOME/.cache/bf}/spark-jars/$key}"
log() { printf '[spark-jars] %s\n' "$*" >&2; }
die() { printf '[spark-jars] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -f "$dir/.complete" && "$(cat "$dir/.complete")" == "$key" ]]; then echo "$dir"; exit 0; fi
command -v curl >/dev/null || die "curl not found; it fetches the Spark jars from Maven Central"
mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.partial.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
while read -r coord sha1; do
  [[ -z "$coord" || "$coord" == \#* ]] && continue
  IFS=: read -r group artifact version <<<"$coord"
  name="$artifact-$version.jar"
  if [[ -f "$dir/$name" ]] && [[ "$(sha1sum "$dir/$name" | cut -d' ' -f1)" == "$sha1" ]]; then continue; fi
  url="$repo/${group//.//}/$artifact/$version/$name"
  log "fetching $coord"
  curl -fsSL --retry 4 --retry-delay 2 --retry-all-errors -o "$tmp/$name" "$url" \
    || die "download of $url failed (Maven Central unreachable? set BF_MAVEN_REPO to a mirror)"
  got="$(sha1sum "$tmp/$name" | cut -d' ' -f1)"
  [[ "$got" == "$sha1" ]] || die "$name: SHA-1 $got, expected $sha1 (infra/spark/jars.txt); not using it"
  mv "$tmp/$name" "$dir/$name"
done < "$list"
# Readable by the containers' user (spark, uid 185) through the read-only bind mount.
chmod 0755 "$dir"; chmod 0644 "$dir"/*.jar
echo "$key" > "$dir/.complete"
log "jars ready in $dir ($(du -sh "$dir" | cut -f1), $((SECONDS - started)) s)"
echo "$dir"
