#!/usr/bin/env bash
# Lay out a Spark distribution in $1/artifacts/spark, in the shape of the official
# apache/spark image's /opt/spark: bin/, sbin/, jars/, python/pyspark, python/lib/*.zip.
# Source: the PyPI pyspark package (it carries Spark's jars and scripts) and py4j, fetched
# with pip; plus jars from Maven the pipeline needs: Delta Lake and hadoop-aws (+ AWS SDK v2
# bundle).
set -euo pipefail
ctx="$1"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dl="$BF_CACHE/downloads/spark"
mkdir -p "$dl"
sdist="$dl/pyspark-$SPARK_VERSION.tar.gz"
py4j_whl="$dl/py4j-$PY4J_VERSION-py2.py3-none-any.whl"
if [[ ! -f "$sdist" || ! -f "$py4j_whl" ]]; then
  log "pip download pyspark==$SPARK_VERSION py4j==$PY4J_VERSION (~430 MB)"
  python3 -m pip download --quiet --no-deps --no-binary pyspark -d "$dl" \
    "pyspark==$SPARK_VERSION" "py4j==$PY4J_VERSION" \
    || die "pip download of pyspark==$SPARK_VERSION failed"
fi
[[ -f "$sdist" ]] || die "expected $sdist after pip download"
[[ -f "$py4j_whl" ]] || die "expected $py4j_whl after pip download"

src="$ctx/artifacts/src"
out="$ctx/artifacts/spark"
rm -rf "$src" "$out"; mkdir -p "$src" "$out/python/lib" "$out/work-dir" "$out/conf"
log "unpacking $(basename "$sdist")"
tar -xzf "$sdist" -C "$src" --strip-components=1 \
  "pyspark-$SPARK_VERSION/deps/jars" "pyspark-$SPARK_VERSION/deps/bin" "pyspark-$SPARK_VERSION/deps/sbin" \
  "pyspark-$SPARK_VERSION/deps/examples" "pyspark-$SPARK_VERSION/pyspark"
mv "$src/deps/jars" "$src/deps/bin" "$src/deps/sbin" "$out/"
rm -f "$out"/bin/*.cmd
mkdir -p "$out/examples"
[[ -d "$src/deps/examples" ]] && mv "$src/deps/examples" "$out/examples/src" || true
# The python package: as a directory (as in the official image) and as the zips spark-submit
# puts on PYTHONPATH ($SPARK_HOME/python/lib/pyspark.zip, py4j-<version>-src.zip).
mv "$src/pyspark" "$out/python/pyspark"
rm -rf "$out/python/pyspark/jars" "$out/python/pyspark/bin" "$out/python/pyspark/sbin"
(cd "$out/python" && python3 -m zipfile -c lib/pyspark.zip pyspark) || die "zipping pyspark failed"
mkdir -p "$src/py4j"
python3 -m zipfile -e "$py4j_whl" "$src/py4j" || die "unpacking $py4j_whl failed"
(cd "$src/py4j" && python3 -m zipfile -c "$out/python/lib/py4j-$PY4J_VERSION-src.zip" py4j) || die "zipping py4j failed"
echo "Spark $SPARK_VERSION (from PyPI pyspark $SPARK_VERSION) + Delta $DELTA_VERSION + hadoop-aws $HADOOP_AWS_VERSION" > "$out/RELEASE"
rm -rf "$src"

# hadoop-aws must match the Hadoop client inside this Spark.
[[ -f "$out/jars/hadoop-client-api-$HADOOP_AWS_VERSION.jar" ]] || die \
  "pyspark $SPARK_VERSION does not ship hadoop-client-api-$HADOOP_AWS_VERSION.jar (it has: $(cd "$out/jars" && ls hadoop-client-api-*.jar)); set HADOOP_AWS_VERSION in infra/images/versions.env"

log "mvn: delta-spark_2.13:$DELTA_VERSION, hadoop-aws:$HADOOP_AWS_VERSION (+ runtime deps)"
extra="$ctx/artifacts/extra-jars"
maven_copy "$extra" true \
  "io.delta:delta-spark_2.13:$DELTA_VERSION" \
  "org.apache.hadoop:hadoop-aws:$HADOOP_AWS_VERSION"
# Add only jars whose artifact Spark does not already ship (no duplicate versions on the classpath).
added=()
for jar in "$extra"/*.jar; do
  name="$(basename "$jar")"
  stem="$(sed -E 's/-[0-9][^/]*\.jar$//' <<<"$name")"
  if compgen -G "$out/jars/$stem-[0-9]*.jar" >/dev/null; then continue; fi
  cp "$jar" "$out/jars/"; added+=("$name")
done
rm -rf "$extra"
log "added to jars/: ${added[*]}"
for want in "delta-spark_2.13-$DELTA_VERSION.jar" "delta-storage-$DELTA_VERSION.jar" "hadoop-aws-$HADOOP_AWS_VERSION.jar"; do
  [[ -f "$out/jars/$want" ]] || die "$want missing from jars/ after mvn"
done
compgen -G "$out/jars/bundle-2.*.jar" >/dev/null || die "AWS SDK v2 bundle missing from jars/"
require_class "$out/jars" org.apache.spark.deploy.master.Master io.delta.sql.DeltaSparkSessionExtension \
  org.apache.hadoop.fs.s3a.S3AFileSystem
log "spark layout ready ($(du -sh "$out" | cut -f1))"
