export {
  DEFAULT_SPARK_SETTINGS,
  type SparkSettings,
  sparkConf,
  sparkSettingsFromEnv,
} from './spark-config.ts';
export {
  META_OBJECT,
  SparkEngine,
  type SparkEngineOptions,
  SparkJobError,
  STAGING_PREFIX,
} from './spark-engine.ts';
export {
  composeSubmitter,
  type SparkJobOutcome,
  type SparkJobRequest,
  type SparkOp,
  type SparkSubmit,
} from './submit.ts';
