#!/usr/bin/env bash
# Lay out a Spark distribution in $1/artifacts/spark, in the shape of the official
# apache/spark image's /opt/spark: bin/, sbin/, jars/, python/pyspark, python/lib/*.zip.
# Source: the PyPI pyspark package (it carries Spark's jars and scripts) and py4j, fetched
# with pip. No Delta / S3A jars: every Spark image gets those from the host cache (infra/spark/jars.txt).
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
echo "Spark $SPARK_VERSION (from PyPI pyspark $SPARK_VERSION)" > "$out/RELEASE"
rm -rf "$src"

# The Delta / S3A jars are not in the image: they come from the host cache mounted at /opt/bf/jars
# (infra/spark/jars.txt), as on the official image. hadoop-aws there must match this Spark's Hadoop client.
hadoop_aws="$(sed -nE 's/^org\.apache\.hadoop:hadoop-aws:([^ ]+) .*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../spark/jars.txt")"
[[ -f "$out/jars/hadoop-client-api-$hadoop_aws.jar" ]] || die \
  "pyspark $SPARK_VERSION does not ship hadoop-client-api-$hadoop_aws.jar (it has: $(cd "$out/jars" && ls hadoop-client-api-*.jar)); fix hadoop-aws in infra/spark/jars.txt"
# bf's long-lived driver is the Spark Thrift Server (service spark-sql), as in the official image's jars/.
require_class "$out/jars" org.apache.spark.deploy.master.Master \
  org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
log "spark layout ready ($(du -sh "$out" | cut -f1))"
