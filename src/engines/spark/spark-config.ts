import type { S3LakeConfig } from '../../lake/s3.ts';

/**
 * How bf submits Spark jobs: master URL, where Spark lives in the image, and how Delta + S3A get on the classpath.
 * The local image (infra/images/spark) bakes the jars into /opt/spark/jars; the official apache/spark image has
 * neither, so there the jars come from Maven with `--packages` (resolved by Ivy inside the container).
 */
export interface SparkSettings {
  /** Compose service that runs the driver (client mode) and hosts the master. */
  service: string;
  masterUrl: string;
  /** Hostname executors use to reach the driver: the service name, resolvable in the compose network. */
  driverHost: string;
  sparkHome: string;
  /** Delta + hadoop-aws from Maven: 'auto' = only when /opt/spark/jars has no delta-spark jar. */
  packages: 'auto' | 'always' | 'never';
  /** Maven coordinates used with --packages. Versions must match the image's Spark (4.0.x) and Hadoop (3.4.1). */
  packageCoordinates: readonly string[];
  driverMemory: string;
  // Executor memory is Spark's default (1g), which fits the worker's SPARK_WORKER_MEMORY (1g) in the compose file.
  /** 2 cores here: a handful of partitions beats Spark's default 200. */
  shufflePartitions: number;
  /** Extra `--conf key=value` pairs. */
  extraConf: Readonly<Record<string, string>>;
}

export const DELTA_VERSION = '4.0.1';
export const HADOOP_AWS_VERSION = '3.4.1';

export const DEFAULT_SPARK_SETTINGS: SparkSettings = {
  service: 'spark-master',
  masterUrl: 'spark://spark-master:7077',
  driverHost: 'spark-master',
  sparkHome: '/opt/spark',
  packages: 'auto',
  packageCoordinates: [
    `io.delta:delta-spark_2.13:${DELTA_VERSION}`,
    `org.apache.hadoop:hadoop-aws:${HADOOP_AWS_VERSION}`,
  ],
  driverMemory: '768m',
  shufflePartitions: 4,
  extraConf: {},
};

/** BF_SPARK_PACKAGES=auto|always|never overrides how the Delta/S3A jars are found. */
export function sparkSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SparkSettings {
  const raw = env.BF_SPARK_PACKAGES;
  const packages =
    raw === 'always' || raw === 'never' || raw === 'auto' ? raw : DEFAULT_SPARK_SETTINGS.packages;
  return { ...DEFAULT_SPARK_SETTINGS, packages };
}

/** The `--conf` pairs of every bf job: Delta's catalog, S3A on the lake bucket, small shuffles. */
export function sparkConf(settings: SparkSettings, s3: S3LakeConfig): Record<string, string> {
  return {
    'spark.driver.host': settings.driverHost,
    'spark.driver.bindAddress': '0.0.0.0',
    'spark.sql.shuffle.partitions': String(settings.shufflePartitions),
    'spark.default.parallelism': String(settings.shufflePartitions),
    'spark.sql.adaptive.enabled': 'true',
    'spark.sql.session.timeZone': 'UTC',
    'spark.ui.showConsoleProgress': 'false',
    // Spark's INFO log of one job is megabytes on stderr; bf keeps a tail of it for error messages.
    'spark.log.level': 'WARN',
    'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
    'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
    'spark.databricks.delta.snapshotPartitions': String(settings.shufflePartitions),
    'spark.hadoop.fs.s3a.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
    'spark.hadoop.fs.s3a.endpoint': s3.internalEndpoint,
    'spark.hadoop.fs.s3a.endpoint.region': 'us-east-1',
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    'spark.hadoop.fs.s3a.connection.ssl.enabled': 'false',
    // Credentials: not on the command line; S3A reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which
    // infra/docker-compose.yml sets in every Spark container from MINIO_ROOT_USER / MINIO_ROOT_PASSWORD.
    // Fail within seconds, not minutes, when the S3 store is down.
    'spark.hadoop.fs.s3a.attempts.maximum': '2',
    'spark.hadoop.fs.s3a.retry.limit': '2',
    'spark.hadoop.fs.s3a.connection.establish.timeout': '15s',
    'spark.hadoop.fs.s3a.connection.timeout': '30s',
    ...settings.extraConf,
  };
}

/** spark-submit arguments (after the executable) for `script` with its request file. */
export function submitArgs(
  settings: SparkSettings,
  s3: S3LakeConfig,
  opts: { appName: string; script: string; request: string; withPackages: boolean; ivyDir?: string },
): string[] {
  const args = [
    '--master',
    settings.masterUrl,
    '--deploy-mode',
    'client',
    '--name',
    opts.appName,
    '--driver-memory',
    settings.driverMemory,
  ];
  if (opts.withPackages) {
    args.push('--packages', settings.packageCoordinates.join(','));
    if (opts.ivyDir) args.push('--conf', `spark.jars.ivy=${opts.ivyDir}`);
  }
  for (const [k, v] of Object.entries(sparkConf(settings, s3))) args.push('--conf', `${k}=${v}`);
  args.push(opts.script, opts.request);
  return args;
}
