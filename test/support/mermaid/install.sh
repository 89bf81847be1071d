#!/usr/bin/env bash
# The Mermaid renderer the summary-chart tests use: the latest Mermaid 11 (@mermaid-js/mermaid-cli@11) driven by
# Debian's headless Chromium. GitHub names no fixed Mermaid version (its docs say to ask with an `info` diagram),
# so the charts stick to xychart-beta syntax that Mermaid 11 renders. Installs into the cache, never the repo.
#   bash test/support/mermaid/install.sh     # prints the mmdc path; a no-op when present
set -euo pipefail
cache="${BF_CACHE:-$HOME/.cache/bf}/mermaid-cli/v11"
if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    # A fresh machine may have no package lists yet: update once, then retry.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium-headless-shell >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium-headless-shell >&2; }
  else
    echo "needs Chromium: sudo apt-get install chromium-headless-shell (Debian/Ubuntu)" >&2
    exit 1
  fi
fi
if [ ! -x "$cache/node_modules/.bin/mmdc" ]; then
  mkdir -p "$cache"
  # Puppeteer's own Chrome download is skipped: the test points it at the system Chromium.
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --prefix "$cache" @mermaid-js/mermaid-cli@11 >&2
fi
echo "$cache/node_modules/.bin/mmdc"
