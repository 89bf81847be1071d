export {
  DEFAULT_WORKDIR,
  Lake,
  type LakeOptions,
  linkIntoStaging,
  META_FILE,
  resolveWorkdir,
  type TableMeta,
  type TableMetaInput,
  type WriteTableHooks,
} from './lake.ts';
export { describeHolder, FileLock, type FileLockOptions, type LockHolder, type LockMode } from './lock.ts';
export { isTableName, PRODUCED_BY, TABLE, TABLE_NAMES, type TableName } from './tables.ts';
