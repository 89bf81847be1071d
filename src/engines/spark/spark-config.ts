/**
 * How bf reaches Spark: the stack's long-lived driver, the Spark Thrift Server (compose service `spark-sql`, an
 * application on the standalone master with Delta's extension and the S3A settings of infra/spark/spark-defaults.conf).
 * Delta + S3A jars: infra/spark/jars.txt, mounted from the host cache (jars.ts).
 */
export interface SparkSettings {
  /** Compose service that runs the driver (the Thrift server). */
  service: 'spark-sql';
  /** How long a job waits for the Thrift server to accept a session (e.g. while it restarts after a crash). */
  connectWaitMs: number;
  /** How often the driver's UI is polled for job/stage progress while a job runs. */
  progressIntervalMs: number;
}

export const DEFAULT_SPARK_SETTINGS: SparkSettings = {
  service: 'spark-sql',
  connectWaitMs: 180_000,
  progressIntervalMs: 1_000,
};
