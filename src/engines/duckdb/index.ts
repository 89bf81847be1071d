export {
  type ColumnSpec,
  type ColumnType,
  DuckDbEngine,
  type DuckDbEngineOptions,
  type PricesMeta,
  type Row,
  type RowValue,
} from './duckdb-engine.ts';
