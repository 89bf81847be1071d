export { DEFAULT_SPARK_SETTINGS, type SparkSettings } from './spark-config.ts';
export {
  META_OBJECT,
  SparkEngine,
  type SparkEngineOptions,
  SparkJobError,
  STAGING_PREFIX,
} from './spark-engine.ts';
export {
  type SparkJobOutcome,
  type SparkJobRequest,
  type SparkOp,
  type SparkRunner,
  thriftRunner,
} from './sql-runner.ts';
