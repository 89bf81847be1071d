# Helpers shared by infra/images/*/fetch.sh (sourced, not executed).
# Expects BF_CACHE and the variables of versions.env in the environment.

_fetch_name="$(basename "$(dirname "${BASH_SOURCE[1]:-$0}")")"
log() { printf '[fetch %s] %s\n' "$_fetch_name" "$*" >&2; }
die() { printf '[fetch %s] ERROR: %s\n' "$_fetch_name" "$*" >&2; exit 1; }

: "${BF_CACHE:?BF_CACHE must be set (run via infra/scripts/build-images.sh)}"
MAVEN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# maven_copy OUTDIR TRANSITIVE(true|false) group:artifact:version[:type] ...
# Resolves the artifacts (and, if TRANSITIVE, their runtime dependencies) with the
# host's Maven and copies the jars flat into OUTDIR. A throwaway POM under the
# cache lists them; ~/.m2 is the download cache.
maven_copy() {
  local out="$1" transitive="$2"; shift 2
  command -v mvn >/dev/null || die "mvn not found; install Maven (apt-get install maven)"
  local work="$BF_CACHE/downloads/$_fetch_name/maven"
  mkdir -p "$work" "$out"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo "<groupId>bf.local</groupId><artifactId>fetch-$_fetch_name</artifactId><version>1</version><packaging>pom</packaging><dependencies>"
    local c g a v t
    for c in "$@"; do
      IFS=: read -r g a v t <<<"$c"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version><type>${t:-jar}</type></dependency>"
    done
    echo '</dependencies></project>'
  } > "$work/pom.xml"
  # Some POMs (e.g. Spark's) declare extra repositories that are unreachable here; unless the
  # user has Maven settings of their own, send every repository to Maven Central.
  local settings=()
  if [[ ! -f "${HOME}/.m2/settings.xml" ]]; then
    cat > "$work/settings.xml" <<'XML'
<settings><mirrors><mirror><id>central-only</id><mirrorOf>*</mirrorOf><url>https://repo.maven.apache.org/maven2</url></mirror></mirrors></settings>
XML
    settings=(-s "$work/settings.xml")
  fi
  if ! mvn -B -q "${settings[@]}" -f "$work/pom.xml" "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
        -DoutputDirectory="$out" -DincludeScope=runtime -DexcludeTransitive="$([[ $transitive == true ]] && echo false || echo true)" \
        >"$work/mvn.log" 2>&1; then
    grep -E 'ERROR' "$work/mvn.log" | head -n 15 >&2
    die "mvn copy-dependencies failed for: $* (log: $work/mvn.log)"
  fi
}

# require_class JARDIR CLASS...: fail if no jar in JARDIR contains the class.
require_class() {
  local dir="$1"; shift
  local cls path jar found
  for cls in "$@"; do
    path="${cls//.//}.class"; found=
    for jar in "$dir"/*.jar; do
      if unzip -l "$jar" "$path" >/dev/null 2>&1; then found=1; break; fi
    done
    [[ -n "$found" ]] || die "class $cls not found in $dir/*.jar"
  done
}
