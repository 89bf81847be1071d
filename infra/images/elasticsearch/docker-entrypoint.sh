#!/usr/bin/env bash
# Entry point of bf-local/elasticsearch, written to behave like the official image's
# distribution/docker/src/docker/bin/docker-entrypoint.sh (run under tini, as there):
#   - a CMD other than `eswrapper` runs as is (`elasticsearch ARGS` run as root is re-run as uid 1000);
#   - environment variables named like settings (lower case with a dot: discovery.type=single-node) become
#     -E options; ES_SETTING_<NAME> variables are read by Elasticsearch itself (ELASTIC_CONTAINER=true);
#   - started as root, Elasticsearch runs as uid 1000 (chroot --userspec), and TAKE_FILE_OWNERSHIP makes
#     1000:0 own data/ and logs/ first; files are group writable (umask 0002).
# One addition: should the distribution lack the x-pack modules, xpack.* settings are dropped with a notice
# (the compose file only turns security off).
set -euo pipefail
umask 0002

as_es_user() {
  if [[ "$(id -u)" == 0 ]]; then exec chroot --userspec=1000:0 / "$@"; else exec "$@"; fi
}

if [[ "${1:-}" != eswrapper ]]; then
  if [[ "$(id -u)" == 0 && "$(basename "${1:-}")" == elasticsearch ]]; then
    set -- elasticsearch "${@:2}"
    exec chroot --userspec=1000:0 / "$@"
  fi
  exec "$@"
fi

have_xpack=false
[[ -d /usr/share/elasticsearch/modules/x-pack-core ]] && have_xpack=true

es_opts=()
while IFS='=' read -r -d '' name value; do
  [[ "$name" =~ ^[a-z0-9_]+\.[a-z0-9_]+ && -n "$value" ]] || continue
  if [[ "$name" == xpack.* && "$have_xpack" == false ]]; then
    echo "docker-entrypoint: ignoring $name (this distribution has no x-pack modules)" >&2
    continue
  fi
  es_opts+=("-E$name=$value")
done < <(env -0)

if [[ "$(id -u)" == 0 && -n "${TAKE_FILE_OWNERSHIP:-}" ]]; then
  chown -R 1000:0 /usr/share/elasticsearch/{data,logs}
fi

as_es_user /usr/share/elasticsearch/bin/elasticsearch "${es_opts[@]}"
