#!/usr/bin/env bash
# Put Elasticsearch (the integ-test-zip distribution from Maven Central) into
# $1/artifacts/elasticsearch and a Java runtime jlinked from $ES_JDK_HOME into $1/artifacts/jdk.
set -euo pipefail
ctx="$1"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dl="$BF_CACHE/downloads/elasticsearch"
mkdir -p "$dl" "$ctx/artifacts"

log "mvn: org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION (zip)"
maven_copy "$dl/zip" false "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
zip="$dl/zip/elasticsearch-$ES_VERSION.zip"
[[ -f "$zip" ]] || die "expected $zip after mvn"
rm -rf "$ctx/artifacts/unzip"
unzip -q "$zip" -d "$ctx/artifacts/unzip"
mv "$ctx/artifacts/unzip/elasticsearch-$ES_VERSION" "$ctx/artifacts/elasticsearch"
rm -rf "$ctx/artifacts/unzip" "$ctx/artifacts/elasticsearch"/bin/*.bat "$ctx/artifacts/elasticsearch"/bin/*.exe

# ES 9 needs Java 21+. jlink a runtime with every module of the host JDK (cached by its version).
[[ -x "$ES_JDK_HOME/bin/jlink" ]] \
  || die "no JDK at ES_JDK_HOME=$ES_JDK_HOME (Elasticsearch $ES_VERSION needs Java 21+); install one and set ES_JDK_HOME in infra/images/versions.env"
jdk_version="$("$ES_JDK_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
[[ "${jdk_version%%.*}" -ge 21 ]] 2>/dev/null || die "$ES_JDK_HOME is Java '$jdk_version'; Elasticsearch $ES_VERSION needs 21+"
jre="$dl/jre-$jdk_version"
if [[ ! -x "$jre/bin/java" ]]; then
  log "jlink: Java runtime $jdk_version from $ES_JDK_HOME"
  modules="$("$ES_JDK_HOME/bin/java" --list-modules | sed 's/@.*//' | grep -vE '^jdk\.(internal\.|jlink$|jpackage$)' | paste -sd, -)"
  rm -rf "$jre.tmp"
  "$ES_JDK_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$jre.tmp" >/dev/null || die "jlink from $ES_JDK_HOME failed"
  mv "$jre.tmp" "$jre"
fi
cp -a "$jre" "$ctx/artifacts/jdk"
log "elasticsearch $ES_VERSION + Java $jdk_version ($(du -sh "$ctx/artifacts" | cut -f1))"
