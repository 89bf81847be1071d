#!/usr/bin/env bash
# Entry point of bf-local/elasticsearch. Like the official image, environment variables
# whose names look like settings (lower case with a dot, e.g. discovery.type=single-node,
# xpack.security.enabled=false) and ES_SETTING_<NAME> variables (ES_SETTING_A_B__C -> a.b_c)
# become -E options; ES_JAVA_OPTS is honoured by Elasticsearch itself. xpack.* settings are
# dropped (with a notice) when this distribution has no x-pack modules.
set -euo pipefail
umask 0002

if [[ "${1:-}" == eswrapper || "$(basename "${1:-}")" == elasticsearch ]]; then
  shift
else
  exec "$@"
fi

have_xpack=false
[[ -d /usr/share/elasticsearch/modules/x-pack-core ]] && have_xpack=true

settings=()
add_setting() {
  local key="$1" value="$2"
  if [[ "$key" == xpack.* && "$have_xpack" == false ]]; then
    echo "docker-entrypoint: ignoring $key (this distribution has no x-pack modules)" >&2
    return
  fi
  settings+=("-E$key=$value")
}
while IFS='=' read -r -d '' name value; do
  if [[ "$name" =~ ^[a-z0-9_]+\.[a-z0-9_]+ ]]; then
    add_setting "$name" "$value"
  elif [[ "$name" == ES_SETTING_* ]]; then
    key="${name#ES_SETTING_}"; key="${key,,}"; key="${key//__/\#}"; key="${key//_/.}"; key="${key//\#/_}"
    add_setting "$key" "$value"
  fi
done < <(env -0)

exec /usr/share/elasticsearch/bin/elasticsearch "${settings[@]}" "$@"
