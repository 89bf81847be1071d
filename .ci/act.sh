#!/usr/bin/env bash
# The act suite: nektos/act, pinned and installed from the Go module proxy into $BF_CACHE/gotools (like actionlint),
# runs .github/workflows/pr-validation.yml on this machine (-P ubuntu-latest=-self-hosted) with the local images
# through the BF_*_IMAGE variables (test/act/pr-validation.test.ts). Needs the Docker engine and the local images
# that .ci/stack.sh provisions. Writes a vitest JSON report to $1 and exits non-zero when anything failed; when act
# cannot be installed or Docker is missing no report is written, and .ci/summarize.mjs counts the suite as failed.
set -uo pipefail
report="$1"
export BF_CACHE="${BF_CACHE:-$HOME/.cache/bf}"
ACT_VERSION=0.2.89
act_bin="$BF_CACHE/gotools/act"
rm -f "$report"

if ! "$act_bin" --version 2>/dev/null | grep -qx "act version $ACT_VERSION"; then
  echo "installing act $ACT_VERSION: go install github.com/nektos/act@v$ACT_VERSION"
  if ! GOBIN="$BF_CACHE/gotools" go install "github.com/nektos/act@v$ACT_VERSION"; then
    echo "error: act $ACT_VERSION could not be installed from the Go module proxy; the act suite did not run"
    exit 1
  fi
fi
"$act_bin" --version
if ! docker info >/dev/null 2>&1; then
  echo "error: no Docker engine (infra/scripts/provision-docker.sh, run by .ci/stack.sh); the act suite did not run"
  exit 1
fi
if ! bash infra/scripts/build-images.sh; then
  echo "error: the local service images are missing and could not be built; the act suite did not run"
  exit 1
fi
npm run test:act -- --reporter=default --reporter=json --outputFile="$report"
code=$?
if [ ! -f "$report" ]; then
  echo "error: act was installed and Docker was ready but the act suite wrote no report at $report"
  [ "$code" -ne 0 ] || code=1
fi
exit "$code"
