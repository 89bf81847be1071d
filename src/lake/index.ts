export {
  DEFAULT_WORKDIR,
  Lake,
  META_FILE,
  resolveWorkdir,
  type TableMeta,
  type TableMetaInput,
  type WriteTableHooks,
} from './lake.ts';
export { isTableName, PRODUCED_BY, TABLE, TABLE_NAMES, type TableName } from './tables.ts';
