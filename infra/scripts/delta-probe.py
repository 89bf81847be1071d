"""Write and read back a small Delta table on the S3 store through the Spark cluster.

Run inside the spark-master container (see infra/scripts/smoke-stack.sh):
  /opt/spark/bin/spark-submit --master spark://spark-master:7077 delta-probe.py s3a://<bucket>/probe
"""
import sys

from delta.tables import DeltaTable  # the Python API ships inside the delta-spark jar
from pyspark.sql import SparkSession

path = sys.argv[1] if len(sys.argv) > 1 else "s3a://bf-lake/probe"
spark = SparkSession.builder.appName("bf-delta-probe").getOrCreate()
try:
    rows = [(i, f"sym{i % 7}", float(i) / 3) for i in range(1000)]
    df = spark.createDataFrame(rows, "id INT, sym STRING, v DOUBLE").repartition(4)
    df.write.format("delta").mode("overwrite").save(path)
    back = spark.read.format("delta").load(path)
    count = back.count()
    total = back.agg({"id": "sum"}).collect()[0][0]
    history = DeltaTable.forPath(spark, path).history().count()
    executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
    print(f"DELTA_PROBE path={path} rows={count} sum_id={total} versions={history} executors={executors}")
    if count != 1000 or total != sum(range(1000)):
        raise SystemExit(f"Delta probe read back {count} rows / sum {total}, expected 1000 / {sum(range(1000))}")
finally:
    spark.stop()
