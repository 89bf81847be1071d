#!/usr/bin/env bash
# The stack suite: a Docker engine + Compose v2 (installed when missing), the locally built service images
# (cached by version), then `npm run test:stack` against the real services. Writes a vitest JSON report to $1 and
# exits non-zero when anything failed: provisioning (no report is written, .ci/summarize.mjs counts the suite as
# failed), the tests, or the runner leaving no report although Docker was ready.
set -uo pipefail
report="$1"
t0=$SECONDS
if ! bash infra/scripts/provision-docker.sh; then
  echo "error: Docker engine / Compose v2 could not be provisioned (see above); the stack suite did not run"
  exit 1
fi
echo "docker ready after $((SECONDS - t0))s"
if ! bash infra/scripts/build-images.sh; then
  echo "error: building the local service images failed (see above); the stack suite did not run"
  exit 1
fi
echo "images ready after $((SECONDS - t0))s"
# The Delta/S3A jars every Spark container mounts (host cache keyed by infra/spark/jars.txt; a no-op when filled).
if ! bash infra/spark/fetch-jars.sh >/dev/null; then
  echo "error: fetching the Spark jars from Maven Central failed (see above); the stack suite did not run"
  exit 1
fi
echo "spark jars ready after $((SECONDS - t0))s"
rm -f "$report"
BF_LOCAL_IMAGES=1 npm run test:stack -- --reporter=default --reporter=json --outputFile="$report"
code=$?
echo "stack suite finished after $((SECONDS - t0))s (exit code $code)"
if [ ! -f "$report" ]; then
  echo "error: Docker was ready but the stack suite wrote no report at $report"
  [ "$code" -ne 0 ] || code=1
fi
exit "$code"
