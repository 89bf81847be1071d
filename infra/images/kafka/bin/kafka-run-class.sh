#!/usr/bin/env bash
# Run a Kafka class with the image's jars (a small stand-in for the distribution's script).
# Honours KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS and KAFKA_LOG4J_OPTS.
set -euo pipefail
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "USAGE: $0 classname [opts]" >&2; exit 1; }
java="${JAVA_HOME:-/opt/java}/bin/java"
log4j_opts="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.properties}"
# shellcheck disable=SC2086  # option strings are word-split on purpose, as in Kafka's script
exec "$java" ${KAFKA_HEAP_OPTS:--Xmx256M} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} $log4j_opts -cp "$base_dir/libs/*" "$@"
