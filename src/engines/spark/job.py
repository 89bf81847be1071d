"""bf Spark job: the Spark engine's work on the Delta lake, one spark-submit per batch of operations.

Usage: spark-submit ... job.py <request.json>

The request names the lake root (s3a://bucket/lake), the directory holding the shared SQL files and a list of
operations run in order in one SparkSession (one JVM start per batch):

  {"op": "merge-prices", "input": "s3a://.../bars.ndjson"}
      Delta MERGE of the staged bars into `prices`, keyed by (symbol, date). When every staged bar is already in
      the table with identical values nothing is written, so the table version does not advance.
  {"op": "breadth", "symbols": [...] | null}
      `prices` (filtered to the symbols) as the temp view `prices`, then sql/features.sql -> Delta `features`,
      read back as the view `features`, then sql/breadth.sql -> Delta `breadth`; returns the breadth rows.
  {"op": "write-rows", "table": "...", "input": "s3a://.../rows.ndjson", "columns": [{"name", "type"}]}
      Replaces a small Delta table with the staged rows (one atomic overwrite commit).
  {"op": "read-rows", "table": "..."}
      Returns every row (DATE columns as ISO strings).
  {"op": "fail", "sql": "..."}
      Runs a statement that is expected to fail (fault tests).

Results go to stdout, one line per operation: `BF_RESULT <json>`. A failing operation prints
`BF_ERROR <json>` (op, error class, first lines of the message) and the job exits with status 3. Spark's own
logging goes to stderr.
"""

import json
import os
import sys
import time
import traceback

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

RESULT_MARKER = "BF_RESULT "
ERROR_MARKER = "BF_ERROR "

SPARK_TYPES = {
    "VARCHAR": T.StringType(),
    "DOUBLE": T.DoubleType(),
    "BIGINT": T.LongType(),
    "INTEGER": T.IntegerType(),
    "BOOLEAN": T.BooleanType(),
    "DATE": T.DateType(),
}
PRICE_VALUE_COLUMNS = ["open", "high", "low", "close", "adj_close", "volume"]


def emit(marker, payload):
    sys.stdout.write(marker + json.dumps(payload, separators=(",", ":"), allow_nan=False) + "\n")
    sys.stdout.flush()


def table_path(req, table):
    return req["lake"].rstrip("/") + "/" + table


def is_delta(spark, path):
    # Through the JVM: the `delta` Python package is not on the path when the jars are baked into the image.
    jvm = spark.sparkContext._jvm
    try:
        return bool(jvm.io.delta.tables.DeltaTable.isDeltaTable(spark._jsparkSession, path))
    except Exception:  # a missing directory on some file systems raises instead of returning False
        return False


def delta_ref(path):
    return "delta.`" + path.replace("`", "``") + "`"


def last_commit(spark, path):
    """Version and operation metrics of the table's latest commit (one Delta log read, no data scan)."""
    row = spark.sql(f"DESCRIBE HISTORY {delta_ref(path)} LIMIT 1").select("version", "operationMetrics").collect()[0]
    return row[0], dict(row[1] or {})


def delta_version(spark, path):
    return last_commit(spark, path)[0]


def file_names(df):
    return sorted(os.path.basename(f) for f in df.inputFiles())


def table_summary(spark, path, with_symbols):
    df = spark.read.format("delta").load(path)
    rows = df.count()
    symbols = []
    if with_symbols:
        symbols = sorted(r[0] for r in df.select("symbol").where(F.col("symbol").isNotNull()).distinct().collect())
    return {"rows": rows, "symbols": symbols, "version": delta_version(spark, path), "files": file_names(df)}


def overwrite_summary(spark, path):
    """Rows and version of a table just replaced by `overwrite`: from the commit's metrics, no second scan."""
    version, metrics = last_commit(spark, path)
    return {"rows": int(metrics.get("numOutputRows", "0")), "version": version}


def merge_prices(spark, req, op):
    path = table_path(req, "prices")
    schema = T.StructType(
        [T.StructField("symbol", T.StringType(), False), T.StructField("date", T.DateType(), False)]
        + [T.StructField(c, T.DoubleType(), True) for c in PRICE_VALUE_COLUMNS]
    )
    incoming = (
        spark.read.schema(schema).option("mode", "FAILFAST").option("dateFormat", "yyyy-MM-dd").json(op["input"])
    ).select("symbol", "date", *PRICE_VALUE_COLUMNS)
    staged = incoming.count()
    if not is_delta(spark, path):
        incoming.write.format("delta").mode("errorifexists").save(path)
        out = table_summary(spark, path, True)
        out.update(staged=staged, changed=staged)
        return out
    existing = spark.read.format("delta").load(path)
    # Rows that are new or differ in any value (null-safe): when none, nothing is committed at all.
    same = " AND ".join(f"i.{c} <=> e.{c}" for c in PRICE_VALUE_COLUMNS)
    changed = (
        incoming.alias("i")
        .join(existing.alias("e"), on=["symbol", "date"], how="left")
        .where(F.expr(f"e.adj_close IS NULL OR NOT ({same})"))
        .count()
    )
    if changed > 0:
        incoming.createOrReplaceTempView("bf_incoming_prices")
        differs = " OR ".join(f"NOT (t.{c} <=> s.{c})" for c in PRICE_VALUE_COLUMNS)
        spark.sql(
            f"MERGE INTO {delta_ref(path)} t USING bf_incoming_prices s "
            "ON t.symbol = s.symbol AND t.date = s.date "
            f"WHEN MATCHED AND ({differs}) THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT *"
        )
    out = table_summary(spark, path, True)
    out.update(staged=staged, changed=changed)
    return out


def overwrite(df, path):
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(path)


def breadth(spark, req, op):
    prices_path = table_path(req, "prices")
    if not is_delta(spark, prices_path):
        raise RuntimeError(f"no Delta table prices at {prices_path}")
    prices = spark.read.format("delta").load(prices_path)
    symbols = op.get("symbols")
    if symbols is not None:
        prices = prices.where(F.col("symbol").isin(list(symbols)))
    prices.createOrReplaceTempView("prices")
    features_path = table_path(req, "features")
    overwrite(spark.sql(read_sql(req, "features")), features_path)
    features = spark.read.format("delta").load(features_path)
    features.createOrReplaceTempView("features")
    breadth_path = table_path(req, "breadth")
    overwrite(spark.sql(read_sql(req, "breadth")), breadth_path)
    result = spark.read.format("delta").load(breadth_path)
    rows = [row_dict(r) for r in result.withColumn("date", F.col("date").cast("string")).orderBy("date").collect()]
    return {
        "rows": rows,
        "features": overwrite_summary(spark, features_path),
        "breadth": {"rows": len(rows), "version": delta_version(spark, breadth_path)},
    }


def read_sql(req, name):
    """The shared SQL file as one statement: trailing semicolon and blank lines removed (as sql-files.ts does)."""
    with open(os.path.join(req["sqlDir"], name + ".sql"), encoding="utf-8") as f:
        text = f.read().strip()
    return text[:-1].rstrip() if text.endswith(";") else text


def write_rows(spark, req, op):
    schema = T.StructType([T.StructField(c["name"], SPARK_TYPES[c["type"]], True) for c in op["columns"]])
    if op.get("input"):
        df = spark.read.schema(schema).option("mode", "FAILFAST").option("dateFormat", "yyyy-MM-dd").json(op["input"])
    else:
        df = spark.createDataFrame([], schema)
    if op.get("delayMs"):
        # Fault tests: each row sleeps inside the write, so the driver can be killed before Delta commits.
        df = df.where(F.expr(f"coalesce(reflect('java.lang.Thread', 'sleep', CAST({int(op['delayMs'])} AS BIGINT)), 'x') IS NOT NULL"))
    path = table_path(req, op["table"])
    overwrite(df, path)
    if any(c["name"] == "symbol" for c in op["columns"]):
        return table_summary(spark, path, True)
    out = overwrite_summary(spark, path)
    out["symbols"] = []
    return out


def read_rows(spark, req, op):
    path = table_path(req, op["table"])
    if not is_delta(spark, path):
        return {"exists": False, "rows": []}
    df = spark.read.format("delta").load(path)
    for field in df.schema.fields:
        if isinstance(field.dataType, T.DateType):
            df = df.withColumn(field.name, F.col(field.name).cast("string"))
    return {"exists": True, "rows": [row_dict(r) for r in df.collect()]}


def row_dict(row):
    out = {}
    for k, v in row.asDict().items():
        if hasattr(v, "is_finite"):  # Decimal: not expected in bf tables, keep it exact as a string
            v = str(v)
        out[k] = v
    return out


def fail(spark, req, op):
    spark.sql(op["sql"]).collect()
    return {}


OPS = {
    "merge-prices": merge_prices,
    "breadth": breadth,
    "write-rows": write_rows,
    "read-rows": read_rows,
    "fail": fail,
}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    spark = SparkSession.builder.appName(req.get("appName", "bf")).getOrCreate()
    status = 0
    try:
        for i, op in enumerate(req["ops"]):
            name = op["op"]
            started = time.monotonic()
            try:
                result = OPS[name](spark, req, op)
            except Exception as e:  # report the failing op in a form the TypeScript side can show
                lines = str(e).strip().splitlines()
                emit(ERROR_MARKER, {"index": i, "op": name, "error": type(e).__name__, "message": "\n".join(lines[:8])})
                traceback.print_exc(file=sys.stderr)
                status = 3
                break
            result["index"] = i
            result["ms"] = round((time.monotonic() - started) * 1000)
            result["op"] = name
            emit(RESULT_MARKER, result)
    finally:
        spark.stop()
    sys.exit(status)


if __name__ == "__main__":
    main()
