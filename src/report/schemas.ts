import { z } from 'zod';
import { SIGNAL_NAMES } from '../domain/signal.ts';
import { TABLE_NAMES } from '../lake/tables.ts';
import { MANIFEST_SCHEMA } from './manifest.ts';
import { METRICS_SCHEMA } from './write-outputs.ts';

/**
 * The JSON bf writes, one versioned shape each: files in `--out` (`bf.metrics/v2`, `bf.outputs/v1`), the
 * `--json` documents of the lake-reading commands (`bf.fetch/v1`, `bf.signals/v1`, `bf.backtest/v1`,
 * `bf.pipeline/v1`), of `bf lake` (`bf.lake.ls/v1`, `bf.lake.show/v1`, `bf.lake.history/v1`, `bf.lake.verify/v1`),
 * `bf doctor` (`bf.doctor/v1`) and `bf infra status|health` (`bf.infra.status/v1`, `bf.infra.health/v1`). One vocabulary for all of them: snake_case keys; a list of firings is `firings`, a count
 * of them `firing_count`; the series length is `trading_days`; every ratio, share, return and drawdown is a
 * fraction (0.23 = 23 %), never a percent; paths are absolute. The documents are checked against these schemas
 * before they are printed or written (strict: an unknown key is a bug).
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const num = z.number().nullable();
export const dateRangeShape = z.strictObject({ start: date, end: date });
const signalName = z.enum(SIGNAL_NAMES);
const skipped = z.array(z.strictObject({ symbol: z.string(), reason: z.string() }));
const symbolList = z.strictObject({ name: z.string(), symbols: z.array(z.string()) });

const performance = z.strictObject({
  total_return: num,
  cagr: num,
  volatility: num,
  sharpe: num,
  sortino: num,
  max_drawdown: num,
  exposure: num,
  trades: z.number().int(),
});

const forwardReturn = z.strictObject({
  horizon: z.number().int(),
  count: z.number().int(),
  mean: num,
  median: num,
  hit_rate: num,
});

export const metricsShape = z.strictObject({
  schema: z.literal(METRICS_SCHEMA),
  run: z.strictObject({
    run_id: z.string().nullable(),
    title: z.string(),
    symbol_list: z.string(),
    source: z.string(),
    synthetic: z.boolean(),
    engine: z.string(),
    generated_at: z.string(),
    date_range: dateRangeShape,
    trading_days: z.number().int(),
    firing_count: z.number().int(),
    skipped_symbols: skipped,
    warnings: z.array(z.string()),
  }),
  // The signals of the run only (partial: a --signal run names one).
  signals: z.partialRecord(
    signalName,
    z.strictObject({
      hold_days: z.number().int(),
      firing_count: z.number().int(),
      trades: z.number().int(),
      strategy: performance,
      buy_hold: performance,
      forward_returns: z.array(forwardReturn),
    }),
  ),
});

export const manifestShape = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA),
  run: z.strictObject({
    run_id: z.string(),
    command: z.string(),
    symbol_list: z.string(),
    date_range: dateRangeShape,
    source: z.string(),
    synthetic: z.boolean(),
    engine: z.string(),
    generated_at: z.string(),
  }),
  files: z.array(
    z.strictObject({ name: z.string(), bytes: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});

const firing = z.strictObject({ date, signal: signalName, value: z.number() });
const outputs = z.record(z.string(), z.string());
const backtest = z.strictObject({
  signal: signalName,
  hold_days: z.number().int(),
  firing_count: z.number().int(),
  trades: z.array(
    z.strictObject({
      signal: signalName,
      entry_date: date,
      exit_date: date,
      days: z.number().int(),
      return: z.number(),
    }),
  ),
  forward_returns: z.array(forwardReturn.extend({ signal: signalName })),
  strategy: performance,
  buy_hold: performance,
});

/** What every lake-reading command's `--json` names: the run's list, range and the lineage of its bars. */
const scope = {
  symbol_list: symbolList,
  range: dateRangeShape,
  source: z.string(),
  synthetic: z.boolean(),
};

export const JSON_SCHEMAS = {
  fetch: 'bf.fetch/v1',
  signals: 'bf.signals/v1',
  backtest: 'bf.backtest/v1',
  pipeline: 'bf.pipeline/v1',
  lakeLs: 'bf.lake.ls/v1',
  lakeShow: 'bf.lake.show/v1',
  lakeHistory: 'bf.lake.history/v1',
  lakeVerify: 'bf.lake.verify/v1',
  doctor: 'bf.doctor/v1',
  infraStatus: 'bf.infra.status/v1',
  infraHealth: 'bf.infra.health/v1',
} as const;

export const fetchShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.fetch),
  ...scope,
  span: dateRangeShape.nullable(),
  bars: z.number().int(),
  failures: skipped,
  skipped_rows: z.number().int(),
  bad_rows: z.number().int(),
  replaced: z.number().int(),
  vanished: z.array(z.strictObject({ symbol: z.string(), bars: z.number().int(), first: date, last: date })),
  dropped: z.boolean(),
});

export const signalsShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.signals),
  ...scope,
  signals: z.array(signalName),
  trading_days: z.number().int(),
  skipped_symbols: skipped,
  firings: z.array(firing),
  outputs,
});

export const backtestShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.backtest),
  ...scope,
  signals: z.array(signalName),
  trading_days: z.number().int(),
  firings: z.array(firing),
  backtests: z.array(backtest),
  outputs,
});

export const pipelineShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.pipeline),
  ...scope,
  engine: z.string(),
  bars: z.number().int(),
  failures: skipped,
  skipped_symbols: skipped,
  trading_days: z.number().int(),
  firings: z.array(firing),
  backtests: z.array(backtest),
  outputs,
  published: z
    .strictObject({
      signals: z.number().int(),
      breadth: z.number().int(),
      retracted: z.number().int(),
      es_documents: z.number().int(),
      index: z.string(),
    })
    .optional(),
  timings: z.array(z.strictObject({ stage: z.string(), ms: z.number() })),
});

const tableName = z.enum(TABLE_NAMES as [string, ...string[]]);
const count = z.number().int().nonnegative();
/** Where a lake is, on which engine: every `bf lake` document names it. */
const lakeAt = { engine: z.enum(['duckdb', 'spark']), location: z.string() };

export const lakeLsShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.lakeLs),
  ...lakeAt,
  tables: z.array(
    z.strictObject({
      table: tableName,
      rows: count,
      files: count,
      bytes: count,
      last_write: z.string().nullable(),
      source: z.string().nullable(),
      synthetic: z.boolean().nullable(),
      version: z.number().int().nullable(),
      symbols: z.array(z.string()).optional(),
      date_range: z.strictObject({ first: date, last: date }).nullable().optional(),
    }),
  ),
});

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const lakeShowShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.lakeShow),
  ...lakeAt,
  table: tableName,
  columns: z.array(z.strictObject({ name: z.string(), type: z.string() })),
  // Rows keyed by the table's own column names (data, not bf's vocabulary).
  rows: z.array(z.record(z.string(), cell)),
});

export const lakeHistoryShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.lakeHistory),
  ...lakeAt,
  table: tableName,
  history: z.array(
    z.strictObject({
      version: z.number().int().nullable(),
      timestamp: z.string().nullable(),
      operation: z.string(),
      rows: count.nullable(),
      files: count.nullable(),
      // Delta's operation metrics as its log names them (numOutputRows…).
      metrics: z.record(z.string(), z.string()),
    }),
  ),
});

export const lakeVerifyShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.lakeVerify),
  ...lakeAt,
  tables: z.array(
    z.strictObject({ table: tableName, rows: count, files: count, problem: z.string().nullable() }),
  ),
  first_problem: z.string().nullable(),
  // What interrupted runs left beside the tables (never a failure): kind, where, the run, size, age, what removes it.
  leftovers: z.array(
    z.strictObject({
      kind: z.enum(['staged-input', 'probe-object', 'staging-dir', 'old-version', 'temp-file', 'spill']),
      location: z.string(),
      run: z.string().nullable(),
      objects: count,
      bytes: count,
      age_s: z.number().nonnegative().nullable(),
      note: z.string(),
    }),
  ),
});

export const doctorShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.doctor),
  embedded: z.boolean(),
  stack: z.boolean(),
  checks: z.array(
    z.strictObject({
      name: z.string(),
      path: z.enum(['embedded', 'stack']),
      status: z.enum(['ok', 'warn', 'missing']),
      detail: z.string(),
      hint: z.string().optional(),
      // What the check measured (versions, bytes, ports, the lake's tables), snake_case keys.
      facts: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export const infraStatusShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.infraStatus),
  project: z.string(),
  services: z.array(
    z.strictObject({
      service: z.string(),
      container: z.string(),
      state: z.string(),
      health: z.string(),
      ports: z.array(z.string()),
      uptime_seconds: z.number().nullable(),
    }),
  ),
});

export const infraHealthShape = z.strictObject({
  schema: z.literal(JSON_SCHEMAS.infraHealth),
  project: z.string(),
  ok: z.boolean(),
  services: z.array(
    z.strictObject({
      service: z.string(),
      ok: z.boolean(),
      checks: z.array(z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() })),
    }),
  ),
});
