#!/usr/bin/env bash
# End-to-end check of a running bf stack (works with the official images and with
# compose.local.yml):
#   - Spark master UI JSON reports status ALIVE and >= 1 ALIVE worker
#   - the S3 bucket exists (created with a SigV4-signed PUT from the host if missing)
#   - spark-submit --master spark://spark-master:7077 writes and reads a Delta table at
#     s3a://$BF_S3_BUCKET/<prefix> on the S3 store
#   - Kafka: create + list a topic from the host (127.0.0.1:$BF_KAFKA_PORT) and from
#     inside the compose network (kafka:29092)
#   - Elasticsearch cluster health is green or yellow from the host
#
# Usage: infra/scripts/smoke-stack.sh [-p PROJECT] [-f COMPOSE_FILE ...] [--up] [--down]
#   --up    run `docker compose up -d --wait` first (timed)
#   --down  run `docker compose down -v` at the end, also on failure
# Defaults: -p bfcheck, -f infra/docker-compose.yml -f infra/compose.local.yml
# Env: BF_S3_BUCKET (bf-lake), MINIO_ROOT_USER/MINIO_ROOT_PASSWORD (minioadmin),
#      BF_SPARK_UI_PORT (8080), BF_KAFKA_PORT (9092), BF_S3_PORT (9000), BF_ELASTICSEARCH_PORT (9200)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

log() { printf '[smoke] %s\n' "$*" >&2; }
fail() { printf '[smoke] FAILED: %s\n' "$*" >&2; exit 1; }

project=bfcheck
files=()
do_up=false
do_down=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -p) project="$2"; shift 2 ;;
    -f) files+=(-f "$2"); shift 2 ;;
    --up) do_up=true; shift ;;
    --down) do_down=true; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ ${#files[@]} -gt 0 ]] || files=(-f "$INFRA_DIR/docker-compose.yml" -f "$INFRA_DIR/compose.local.yml")

bucket="${BF_S3_BUCKET:-bf-lake}"
s3_user="${MINIO_ROOT_USER:-minioadmin}"
s3_pass="${MINIO_ROOT_PASSWORD:-minioadmin}"
spark_ui="http://127.0.0.1:${BF_SPARK_UI_PORT:-8080}"
s3_url="http://127.0.0.1:${BF_S3_PORT:-9000}"
es_url="http://127.0.0.1:${BF_ELASTICSEARCH_PORT:-9200}"
kafka_host="127.0.0.1:${BF_KAFKA_PORT:-9092}"

dc() { docker compose -p "$project" "${files[@]}" "$@"; }

dump_logs() {
  log "compose ps:"; dc ps -a >&2 || true
  local svc
  for svc in $(dc ps -a --services 2>/dev/null); do
    log "last log lines of $svc:"; dc logs --no-color --tail 40 "$svc" >&2 || true
  done
}
on_exit() {
  local rc=$?
  if [[ $rc -ne 0 ]]; then dump_logs; fi
  if $do_down; then
    log "docker compose down -v"
    dc down -v --remove-orphans >/dev/null 2>&1 || log "WARNING: compose down -v failed"
  fi
  exit $rc
}
trap on_exit EXIT

if $do_up; then
  t0=$SECONDS
  # The Spark services mount the Delta/S3A jars from the host cache (filled once from Maven Central).
  BF_SPARK_JARS_DIR="${BF_SPARK_JARS_DIR:-$("$SCRIPT_DIR/../spark/fetch-jars.sh")}" || fail "fetching the Spark jars failed"
  export BF_SPARK_JARS_DIR
  dc up -d --wait || fail "docker compose up -d --wait did not bring every service to healthy"
  log "up --wait: all services healthy in $((SECONDS - t0))s"
fi

# --- Spark master + workers -------------------------------------------------------------
status_json="$(curl -fsS --max-time 10 "$spark_ui/json/")" || fail "Spark master UI $spark_ui/json/ not reachable"
alive_workers="$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("status"), sum(1 for w in d.get("workers", []) if w.get("state") == "ALIVE"))' <<<"$status_json")"
[[ "$alive_workers" =~ ^ALIVE\ ([1-9][0-9]*)$ ]] || fail "Spark master status/alive workers = '$alive_workers' (want 'ALIVE >=1')"
log "spark: master ALIVE, ${BASH_REMATCH[1]} ALIVE worker(s)"

# --- S3 bucket (SigV4 from the host, path-style) ----------------------------------------
s3() { curl -sS --max-time 20 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_user:$s3_pass" "$@"; }
code="$(s3 -o /dev/null -w '%{http_code}' -I "$s3_url/$bucket")" || fail "S3 endpoint $s3_url not reachable"
if [[ "$code" == 404 ]]; then
  code="$(s3 -o /dev/null -w '%{http_code}' -X PUT "$s3_url/$bucket")"
  [[ "$code" == 200 ]] || fail "creating bucket $bucket on $s3_url returned HTTP $code"
  log "s3: created bucket $bucket"
elif [[ "$code" != 200 ]]; then
  fail "HEAD $s3_url/$bucket returned HTTP $code (credentials MINIO_ROOT_USER/MINIO_ROOT_PASSWORD?)"
fi
s3 "$s3_url/" | grep -q "<Name>$bucket</Name>" || fail "bucket $bucket not in the S3 bucket list"
log "s3: bucket $bucket listed"

# --- Delta on S3 through the Spark cluster ----------------------------------------------
prefix="probe-$(date +%s)"
dc cp "$SCRIPT_DIR/delta-probe.py" spark-master:/tmp/delta-probe.py >/dev/null 2>&1 \
  || fail "copying delta-probe.py into spark-master"
t0=$SECONDS
probe_log="$(mktemp)"
# The probe's `delta` Python package ships inside the mounted delta-spark jar: on the driver's PYTHONPATH only.
if ! dc exec -T spark-master sh -c 'PYTHONPATH="$(ls /opt/bf/jars/delta-spark_2.13-*.jar)" exec /opt/spark/bin/spark-submit \
      --master spark://spark-master:7077 /tmp/delta-probe.py "$1"' probe "s3a://$bucket/$prefix" >"$probe_log" 2>&1; then
  grep -E 'Error|Exception|DELTA_PROBE' "$probe_log" | head -n 30 >&2 || true
  fail "spark-submit of the Delta probe failed (full output: $probe_log)"
fi
grep 'DELTA_PROBE' "$probe_log" >&2 || fail "Delta probe printed no result (output: $probe_log)"
rm -f "$probe_log"
log "spark: Delta write+read on s3a://$bucket/$prefix in $((SECONDS - t0))s"

# --- Kafka from the host and from inside the network ------------------------------------
kafka_image="$(docker inspect -f '{{.Config.Image}}' "$(dc ps -q kafka)")" || fail "kafka container not found"
topic_host="bf-smoke-host-$$"
topic_net="bf-smoke-net-$$"
docker run --rm --network host "$kafka_image" /opt/kafka/bin/kafka-topics.sh \
  --bootstrap-server "$kafka_host" --create --if-not-exists --topic "$topic_host" --partitions 1 --replication-factor 1 >/dev/null \
  || fail "creating topic from the host at $kafka_host"
dc exec -T kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:29092 \
  --create --if-not-exists --topic "$topic_net" --partitions 1 --replication-factor 1 >/dev/null \
  || fail "creating topic inside the network at kafka:29092"
host_list="$(docker run --rm --network host "$kafka_image" /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$kafka_host" --list)" \
  || fail "listing topics from the host"
net_list="$(dc exec -T kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:29092 --list)" \
  || fail "listing topics inside the network"
for t in "$topic_host" "$topic_net"; do
  grep -qx "$t" <<<"$host_list" || fail "topic $t missing from the host's list"
  grep -qx "$t" <<<"$net_list" || fail "topic $t missing from the in-network list"
done
log "kafka: topics created+listed from the host ($kafka_host) and in the network (kafka:29092)"

# --- Elasticsearch -----------------------------------------------------------------------
es_status="$(curl -fsS --max-time 20 "$es_url/_cluster/health?wait_for_status=yellow&timeout=15s" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" || fail "Elasticsearch $es_url not reachable"
[[ "$es_status" == green || "$es_status" == yellow ]] || fail "Elasticsearch cluster health is $es_status"
log "elasticsearch: cluster health $es_status"

log "all checks passed"
