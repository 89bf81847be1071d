#!/usr/bin/env bash
# Put Kafka's jars (broker, command-line tools, log4j2 backend for slf4j) into $1/artifacts/libs.
set -euo pipefail
ctx="$1"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

libs="$ctx/artifacts/libs"
log "mvn: org.apache.kafka:kafka_2.13:$KAFKA_VERSION + kafka-tools + runtime dependencies"
maven_copy "$libs" true \
  "org.apache.kafka:kafka_2.13:$KAFKA_VERSION" \
  "org.apache.kafka:kafka-tools:$KAFKA_VERSION" \
  "org.apache.logging.log4j:log4j-slf4j-impl:2.24.3"
# Every wrapper in bin/ must find its main class.
mapfile -t classes < <(sed -n 's/^exec .*kafka-run-class\.sh" \([A-Za-z0-9_.]*\).*/\1/p' "$ctx"/bin/*.sh | sort -u)
require_class "$libs" kafka.Kafka "${classes[@]}"
log "$(find "$libs" -name '*.jar' | wc -l) jars, $(du -sh "$libs" | cut -f1)"
