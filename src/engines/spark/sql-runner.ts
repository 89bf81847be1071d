import { STACK_HOST } from '../../config/stack.ts';
import { BfError } from '../../util/errors.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import type { ColumnSpec } from '../engine.ts';
import { FEATURES_LOOKBACK_BARS } from '../incremental-plan.ts';
import {
  newBarsSql,
  newBarWindowsSql,
  symbolBarsSql,
  tailOfFeaturesSql,
  tailStatsSql,
  trimmedTailsSql,
  windowsStateSql,
} from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';
import { sparkFeaturesSql } from './features-sql.ts';
import { Hs2ConnectionError, type Hs2Session, Hs2StatementError, openHs2Session } from './hs2.ts';
import { formatSparkProgress, type SparkProgressWatcher, watchSparkProgress } from './progress.ts';
import {
  createTableAs,
  deltaRef,
  mergeBars,
  mergeBreadthFrom,
  mergePlan,
  ndjsonView,
  pricesView,
  replaceEmptyTable,
  replaceTableAs,
  slowly,
  sqlString,
  symbolCounts,
} from './sql-text.ts';
import { tracedSession } from './trace.ts';

/** What a Delta commit records: its version and commitInfo.operationMetrics. */
export interface DeltaCommit {
  version: number;
  metrics: Record<string, string>;
}

/** The lake's Delta logs, read by this process over S3 (no statement on the driver). */
interface LogReader {
  tableExists: (path: string) => Promise<boolean>;
  latestCommit: (path: string) => Promise<DeltaCommit | null>;
}

/** One operation of a job. */
export type SparkOp =
  | {
      op: 'merge-prices';
      input: string;
      /** The staged bars' symbols, sorted: a new table holds exactly these. */
      symbols: readonly string[];
      start: string;
      end: string;
      replace: boolean;
    }
  | { op: 'breadth'; symbols: readonly string[] | null; start: string | null; end: string | null }
  | BreadthIncrementalOp
  | {
      op: 'write-rows';
      table: string;
      input: string | null;
      columns: readonly ColumnSpec[];
      delayMs?: number;
    }
  | { op: 'read-rows'; table: string }
  | { op: 'fail'; sql: string };

/**
 * An incremental run's features and breadth (src/engines/incremental-plan.ts decides; src/engines/incremental-sql.ts
 * holds the SQL both engines run). The symbols to recompute are staged as NDJSON (RECOMPUTE_COLUMNS).
 */
export interface BreadthIncrementalOp {
  op: 'breadth-incremental';
  /** The run's scope, as for `breadth`. */
  symbols: readonly string[] | null;
  start: string | null;
  end: string | null;
  /** s3a:// URL of the staged recompute rows. */
  recompute: string;
  /** Symbols the stored run had and this one does not. */
  removed: readonly string[];
  /** features.sql's outer SELECT (featuresOuterSelect) when some symbols take new days only; else null. */
  fastSelect: string | null;
  /** The earliest new bar of those symbols. */
  firstNew: string | null;
  /** Some symbols are recomputed from their first bar by features.sql (or none is recomputed, only removed). */
  slow: boolean;
  /** Stored features rows change (a changed history, a removed symbol): the table is rewritten, else appended to. */
  replaces: boolean;
  /** Breadth is re-aggregated from here, or from the first new features row if earlier. */
  breadthFrom: string | null;
  /** The stored tails (a Delta table) get the new bars appended, or are written afresh. */
  tails: 'append' | 'rewrite';
  /**
   * The last date of the stored features and breadth (the stored symbols' last bar). When every re-aggregated day is
   * after it and no stored row changes (a nightly run), breadth.sql reads only the new features rows and its rows
   * are appended: no scan of the stored features, no MERGE.
   */
  storedLast: string | null;
}

/** The staged rows of BreadthIncrementalOp.recompute. */
export const RECOMPUTE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'symbol', type: 'VARCHAR' },
  { name: 'keep_from', type: 'DATE' },
  { name: 'fast', type: 'BOOLEAN' },
  { name: 'bars', type: 'BIGINT' },
];

/** The Delta table of an incremental run's tails (symbol, date, adj_close, pos), beside the lake's tables. */
export const TAILS_TABLE = '_incremental_tail';

export interface SparkJobRequest {
  /** Names the job in logs and errors. */
  appName: string;
  /** s3a:// URL of the directory holding the Delta tables. */
  lake: string;
  ops: readonly SparkOp[];
}

/** What one operation returned, with its index, op name and time in ms. */
export type SparkOpResult = Record<string, unknown> & { index: number; op: string; ms: number };

export interface SparkJobOutcome {
  exitCode: number;
  results: SparkOpResult[];
  /** The failing operation, when the job got that far. */
  error: { index: number; op: string; error: string; message: string } | undefined;
  /** Last lines of the driver's log (the spark-sql service), bounded; empty on success. */
  stderrTail: string[];
  durationMs: number;
}

/** Runs one job; never throws for a failing job (the outcome says so). */
export type SparkRunner = ((request: SparkJobRequest) => Promise<SparkJobOutcome>) & {
  close?: () => Promise<void>;
};

export const DRIVER_LOG_LINES = 30;

/**
 * HiveServer2 answers a status request of a running statement only when it ends or after this long-polling timeout
 * (Hive's default 5 s), and it serves one connection's requests one at a time: with the store stage's statements
 * running together on the session, a statement that had ended waited behind the others' 5 s polls before bf saw
 * it (and sent its next statement). A short wait makes each end seen within one poll.
 */
const SESSION_CONFIGURATION = { 'hive.server2.long.polling.timeout': '100ms' };

export interface ThriftRunnerOptions {
  /** Host port of the Thrift server. */
  port: number;
  host?: string;
  /** Does the Delta table at this s3a:// path exist (its _delta_log has a commit)? */
  tableExists: (path: string) => Promise<boolean>;
  /**
   * Version and operation metrics of the table's latest commit, read from its `_delta_log` over S3 (the commit
   * file's commitInfo, what DESCRIBE HISTORY would print, without a statement on the driver); null: no commit.
   */
  latestCommit: (path: string) => Promise<DeltaCommit | null>;
  /** The driver's log lines, for failed jobs. */
  driverLog?: (lines: number) => Promise<string[]>;
  /** How long to wait for the server to accept a session (it may be restarting after a crash). */
  connectWaitMs?: number;
  /**
   * The driver's UI (`http://host:port`): while a job runs, its Spark jobs and stages are read from `/api/v1`
   * every `intervalMs` and reported as `logger.progress` lines. Absent: no progress.
   */
  progress?: { url: string; intervalMs: number };
  logger?: Logger;
}

/**
 * Jobs as SQL statements on the stack's long-lived Spark driver (the Spark Thrift Server, service spark-sql):
 * one session per engine, reopened when the server was restarted. Each operation is a few statements; a failed
 * statement stops the job and the outcome carries the server's message and the driver's log tail.
 */
export function thriftRunner(opts: ThriftRunnerOptions): SparkRunner {
  const logger = opts.logger ?? silentLogger;
  const host = opts.host ?? STACK_HOST;
  let session: Promise<Hs2Session> | undefined;

  const connect = async (): Promise<Hs2Session> => {
    const deadline = Date.now() + (opts.connectWaitMs ?? 180_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return tracedSession(
          await openHs2Session({ host, port: opts.port, configuration: SESSION_CONFIGURATION }),
        );
      } catch (e) {
        if (!(e instanceof Hs2ConnectionError) || Date.now() > deadline) throw e;
        if (attempt === 1) logger.info(`spark: waiting for the Spark Thrift Server at ${host}:${opts.port}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  const current = async (): Promise<Hs2Session> => {
    const s = session ? await session.catch(() => undefined) : undefined;
    if (s?.alive) return s;
    session = connect();
    return session;
  };

  const run = async (request: SparkJobRequest): Promise<SparkJobOutcome> => {
    const started = performance.now();
    const results: SparkOpResult[] = [];
    const done = (error?: SparkJobOutcome['error'], log: string[] = []): SparkJobOutcome => ({
      exitCode: error ? 1 : 0,
      results,
      error,
      stderrTail: log,
      durationMs: performance.now() - started,
    });
    let db: Hs2Session;
    try {
      db = await current();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return done({ index: 0, op: request.ops[0]?.op ?? 'connect', error: 'Hs2ConnectionError', message }, [
        ...(await driverLog(opts)),
      ]);
    }
    let label = request.appName;
    const watcher = watchProgress(() => label);
    const log: LogReader = { tableExists: opts.tableExists, latestCommit: opts.latestCommit };
    const failure = (index: number, op: SparkOp, e: unknown): NonNullable<SparkJobOutcome['error']> => ({
      index,
      op: op.op,
      error:
        e instanceof Hs2StatementError
          ? `SQLSTATE ${e.sqlState ?? 'unknown'}`
          : e instanceof Error
            ? e.name
            : 'Error',
      message: (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 8).join('\n'),
    });
    const timedOp = async (index: number, op: SparkOp): Promise<SparkOpResult> => {
      const t = performance.now();
      const out = await runOp(db, request.lake, op, log, index);
      return { ...out, index, op: op.op, ms: Math.round(performance.now() - t) };
    };
    try {
      if (request.ops.length > 1 && request.ops.every((op) => op.op === 'write-rows')) {
        // Tables written in one job are independent (each its own Delta commit): their statements run at the same
        // time on the driver, which overlaps the per-statement round trips, Delta log reads and small Spark jobs
        // that dominate on small tables. Every statement is awaited; the first failing table (in order) is named.
        label = `${request.appName}: write-rows`;
        const settled = await Promise.allSettled(request.ops.map((op, index) => timedOp(index, op)));
        for (const [index, s] of settled.entries()) {
          if (s.status === 'rejected') {
            return done(failure(index, request.ops[index] as SparkOp, s.reason), await driverLog(opts));
          }
          results.push(s.value);
        }
        return done();
      }
      for (const [index, op] of request.ops.entries()) {
        label = `${request.appName}: ${op.op}`;
        try {
          results.push(await timedOp(index, op));
        } catch (e) {
          return done(failure(index, op, e), await driverLog(opts));
        }
      }
      return done();
    } finally {
      await watcher?.stop();
    }
  };
  /** Spark jobs and stages of the running operation as progress lines (see `progress`). */
  const watchProgress = (label: () => string): SparkProgressWatcher | undefined =>
    opts.progress &&
    watchSparkProgress({
      baseUrl: opts.progress.url,
      intervalMs: opts.progress.intervalMs,
      onProgress: (snap) => {
        const line = formatSparkProgress(label(), snap);
        if (line) logger.progress(line);
      },
    });
  return Object.assign(run, {
    close: async () => {
      const s = session ? await session.catch(() => undefined) : undefined;
      session = undefined;
      await s?.close();
    },
  });
}

async function driverLog(opts: ThriftRunnerOptions): Promise<string[]> {
  if (!opts.driverLog) return [];
  return opts.driverLog(DRIVER_LOG_LINES).catch(() => []);
}

const tablePath = (lake: string, table: string) => `${lake.replace(/\/+$/, '')}/${table}`;

async function runOp(
  db: Hs2Session,
  lake: string,
  op: SparkOp,
  log: LogReader,
  index: number,
): Promise<Record<string, unknown>> {
  switch (op.op) {
    case 'merge-prices':
      return mergePrices(db, lake, op, log);
    case 'breadth':
      return breadth(db, lake, op.symbols, { start: op.start, end: op.end }, log);
    case 'breadth-incremental':
      return breadthIncremental(db, lake, op, log);
    case 'write-rows':
      // a view of its own: the write-rows of one job run concurrently in the session
      return writeRows(db, lake, op, log, `bf_incoming_rows_${index}`);
    case 'read-rows': {
      const path = tablePath(lake, op.table);
      if (!(await log.tableExists(path))) return { exists: false, rows: [] };
      return { exists: true, rows: await db.query(`SELECT * FROM ${deltaRef(path)}`) };
    }
    case 'fail':
      await db.query(op.sql);
      return {};
  }
}

const PRICE_SCHEMA: readonly ColumnSpec[] = [
  { name: 'symbol', type: 'VARCHAR' },
  { name: 'date', type: 'DATE' },
  { name: 'open', type: 'DOUBLE' },
  { name: 'high', type: 'DOUBLE' },
  { name: 'low', type: 'DOUBLE' },
  { name: 'close', type: 'DOUBLE' },
  { name: 'adj_close', type: 'DOUBLE' },
  { name: 'volume', type: 'DOUBLE' },
];
const PRICE_SELECT = `SELECT ${PRICE_SCHEMA.map((c) => c.name).join(', ')} FROM bf_incoming_prices`;

async function mergePrices(
  db: Hs2Session,
  lake: string,
  op: Extract<SparkOp, { op: 'merge-prices' }>,
  log: LogReader,
): Promise<Record<string, unknown>> {
  const path = tablePath(lake, 'prices');
  await db.query(ndjsonView('bf_incoming_prices', op.input, PRICE_SCHEMA));
  if (!(await log.tableExists(path))) {
    await db.query(createTableAs(path, PRICE_SELECT));
    // a new table holds the staged bars: its commit's row count and the staged symbols, no scan
    const c = await commitInfo(path, log);
    const out =
      c.metrics.numOutputRows === undefined
        ? await tableSummary(db, path, log)
        : { rows: Number(c.metrics.numOutputRows), symbols: [...op.symbols], version: c.version };
    return {
      ...out,
      changed: out.rows,
      replaced: 0,
      added: out.rows,
      vanished: [],
      parent: null,
      firstChanged: {},
    };
  }
  const range = { start: op.start, end: op.end };
  // The version this merge starts from: the change log's entry is made from it (src/lake/changes.ts).
  const parent = (await commitInfo(path, log)).version;
  // one scan for both: the staged bars that replace or add, and the table's bars the source no longer has
  const plan = await db.query(mergePlan(path, 'bf_incoming_prices', range));
  const replaced = plan.reduce((n, r) => n + Number(r.replaced ?? 0), 0);
  const added = plan.reduce((n, r) => n + Number(r.added ?? 0), 0);
  const vanished = plan
    .filter((r) => Number(r.vanished ?? 0) > 0)
    .map((r) => ({
      symbol: String(r.symbol),
      bars: Number(r.vanished),
      first: String(r.first),
      last: String(r.last),
    }));
  const firstChanged: Record<string, string> = {};
  for (const r of plan) if (r.first_changed != null) firstChanged[String(r.symbol)] = String(r.first_changed);
  const drop = op.replace && vanished.length > 0;
  if (replaced + added > 0 || drop) {
    await db.query(
      mergeBars(
        path,
        'bf_incoming_prices',
        drop ? { symbols: vanished.map((v) => v.symbol), range } : undefined,
      ),
    );
  }
  return {
    ...(await tableSummary(db, path, log)),
    changed: replaced + added + (drop ? 1 : 0),
    replaced,
    added,
    vanished,
    parent,
    firstChanged,
  };
}

async function breadth(
  db: Hs2Session,
  lake: string,
  symbols: readonly string[] | null,
  range: { start: string | null; end: string | null },
  log: LogReader,
): Promise<Record<string, unknown>> {
  const prices = tablePath(lake, 'prices');
  if (!(await log.tableExists(prices))) throw new BfError(`no Delta table prices at ${prices}`);
  await db.query(pricesView(prices, symbols, range));
  const features = tablePath(lake, 'features');
  const breadthPath = tablePath(lake, 'breadth');
  const tails = tablePath(lake, TAILS_TABLE);
  // features.sql (its Spark form, ./features-sql.ts) runs once into a cache on the executors (lazy: the features write fills it), which breadth.sql
  // reads, instead of reading the Delta table just written back (its snapshot, its files); breadth.sql likewise,
  // so its rows come back from the cache its write filled, not from a new Delta snapshot of the table (two Spark
  // jobs of log replay, then the scan). CACHE … AS makes a new temp view, so the previous job's views go first.
  const cached = ['features', 'bf_breadth', 'bf_symbol_bars', 'bf_next_tail'];
  for (const name of cached) await db.query(`DROP VIEW IF EXISTS ${name}`);
  await db.query(`CACHE LAZY TABLE features AS ${sparkFeaturesSql()}`);
  let rows: Record<string, unknown>[] = [];
  let stats: Record<string, unknown>[] = [];
  try {
    await db.query(`CACHE LAZY TABLE bf_breadth AS ${loadSql('breadth')}`);
    // The next incremental run's tails and per-symbol state come from the cached features too.
    await db.query(`CACHE LAZY TABLE bf_symbol_bars AS ${symbolBarsSql('features')}`);
    await db.query(`CACHE LAZY TABLE bf_next_tail AS ${tailOfFeaturesSql('features', 'bf_symbol_bars')}`);
    // The features write fills the features cache; then breadth and the tails, independent tables, at once.
    await db.query(replaceTableAs(features, 'SELECT * FROM features'));
    await all([
      async () => {
        await db.query(replaceTableAs(breadthPath, 'SELECT * FROM bf_breadth'));
        rows = await db.query('SELECT * FROM bf_breadth ORDER BY date');
      },
      async () => {
        await db.query(replaceTableAs(tails, 'SELECT * FROM bf_next_tail'));
        stats = await db.query(tailStatsSql('bf_symbol_bars', 'bf_next_tail'));
      },
    ]);
  } finally {
    await uncache(db, [...cached].reverse());
  }
  return {
    rows,
    features: await overwriteSummary(features, log),
    breadth: { rows: rows.length, version: (await commitInfo(breadthPath, log)).version },
    tails: { version: (await commitInfo(tails, log)).version },
    stats,
  };
}

/** Runs statements' sequences at once on the session; waits for all, then throws the first failure. */
async function all(tasks: readonly (() => Promise<void>)[]): Promise<void> {
  const settled = await Promise.allSettled(tasks.map((t) => t()));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `name` as a lazily cached temp view of `query` (filled by its first reader: its rows are read more than once). */
async function cacheLazy(db: Hs2Session, name: string, query: string): Promise<void> {
  await db.query(`DROP VIEW IF EXISTS ${name}`);
  await db.query(`CACHE LAZY TABLE ${name} AS ${query}`);
}

async function uncache(db: Hs2Session, names: readonly string[]): Promise<void> {
  for (const name of names) await db.query(`UNCACHE TABLE IF EXISTS ${name}`).catch(() => undefined);
}

/**
 * An incremental run (BreadthIncrementalOp) with the SQL the embedded engine runs (src/engines/incremental-sql.ts,
 * sql/*.sql): the new bars' window values from the stored tails, features.sql over the symbols whose history
 * changed; breadth re-aggregated from the earliest change over the next features (the stored rows kept and the
 * new ones); then, at once, the features appended (or rewritten when stored rows change), the breadth MERGEd over
 * the stored days from there on, the tails appended to or rewritten. Every statement on a few thousand rows costs
 * a Spark job or more on the driver: few statements, caches filled by their first reader, and the three writes
 * together.
 */
async function breadthIncremental(
  db: Hs2Session,
  lake: string,
  op: BreadthIncrementalOp,
  log: LogReader,
): Promise<Record<string, unknown>> {
  const prices = tablePath(lake, 'prices');
  const features = tablePath(lake, 'features');
  const breadthPath = tablePath(lake, 'breadth');
  const tails = tablePath(lake, TAILS_TABLE);
  const cached: string[] = [];
  const cache = async (name: string, query: string) => {
    await cacheLazy(db, name, query);
    cached.push(name);
  };
  try {
    await db.query(pricesView(prices, op.symbols, { start: op.start, end: op.end }, 'bf_scope'));
    await db.query(ndjsonView('bf_recompute_staged', op.recompute, RECOMPUTE_COLUMNS));
    await cache('bf_recompute', 'SELECT * FROM bf_recompute_staged');
    const parts: string[] = [];
    const stats: Record<string, unknown>[] = [];
    const windowsState: Record<string, unknown>[] = [];
    // The stored tails plus the new bars: what the new bars' frames read.
    const history = `(SELECT symbol, date, adj_close, pos FROM ${deltaRef(tails)}
      UNION ALL SELECT symbol, date, adj_close, pos FROM bf_new_bars)`;
    const fast = op.fastSelect !== null && op.firstNew !== null;
    if (fast) {
      await cache(
        'bf_new_bars',
        newBarsSql(
          `(SELECT symbol, date, adj_close FROM bf_scope WHERE date >= DATE ${sqlString(op.firstNew!)})`,
          'bf_recompute',
        ),
      );
      await cache('bf_new_windows', newBarWindowsSql('bf_new_bars', history));
      windowsState.push(...(await db.query(windowsStateSql('bf_new_windows'))));
      parts.push(`${op.fastSelect}\nFROM bf_new_windows w`);
    }
    if (op.slow) {
      // features.sql (its Spark form) over the whole history of each symbol recomputed from its first bar.
      await db.query(
        'CREATE OR REPLACE TEMPORARY VIEW prices AS SELECT p.* FROM bf_scope p JOIN bf_recompute c ON p.symbol = c.symbol AND NOT c.fast',
      );
      await cache('bf_slow_features', sparkFeaturesSql());
      await cache('bf_slow_bars', symbolBarsSql('bf_slow_features'));
      await cache('bf_slow_tail', tailOfFeaturesSql('bf_slow_features', 'bf_slow_bars'));
      stats.push(...(await db.query(tailStatsSql('bf_slow_bars', 'bf_slow_tail'))));
      parts.push(
        'SELECT f.* FROM bf_slow_features f JOIN bf_recompute c ON f.symbol = c.symbol WHERE f.date >= c.keep_from',
      );
    }
    await cache('bf_new_features', parts.join('\nUNION ALL '));
    let newRows = windowsState.reduce((n, w) => n + Number(w.new_bars ?? 0), 0);
    let newFirst = windowsState.reduce<string | null>((m, w) => {
      const d = (w.first_new ?? null) as string | null;
      return d !== null && (m === null || d < m) ? d : m;
    }, null);
    const newBars = newRows;
    if (op.slow) {
      const [counted] = await db.query(
        'SELECT count(*) AS n, CAST(min(date) AS STRING) AS first FROM bf_new_features',
      );
      newRows = Number(counted?.n ?? 0);
      newFirst = (counted?.first ?? null) as string | null;
    }
    // The next features: the stored rows before each recomputed symbol's keep_from, without the removed symbols,
    // and the new rows (read from the version the write replaces or appends to).
    const gone =
      op.removed.length > 0 ? ` WHERE o.symbol NOT IN (${op.removed.map(sqlString).join(', ')})` : '';
    const kept = op.replaces
      ? `SELECT o.* FROM ${deltaRef(features)} o LEFT ANTI JOIN bf_recompute c ON c.symbol = o.symbol AND o.date >= c.keep_from${gone}`
      : `SELECT * FROM ${deltaRef(features)}`;
    await db.query(
      `CREATE OR REPLACE TEMPORARY VIEW bf_next_features AS ${kept} UNION ALL SELECT * FROM bf_new_features`,
    );

    // Breadth: kept before the earliest change, re-aggregated from it on over every symbol's rows.
    let from = op.breadthFrom;
    if (newFirst !== null && (from === null || newFirst < from)) from = newFirst;
    // Only days after every stored one: the stored rows have none of them.
    const appends = from !== null && !op.replaces && op.storedLast !== null && from > op.storedLast;
    let rows: Record<string, unknown>[];
    if (from !== null) {
      await db.query(
        appends
          ? 'CREATE OR REPLACE TEMPORARY VIEW features AS SELECT * FROM bf_new_features'
          : `CREATE OR REPLACE TEMPORARY VIEW features AS SELECT * FROM bf_next_features WHERE date >= DATE ${sqlString(from)}`,
      );
      await cache('bf_breadth_tail', loadSql('breadth'));
      rows = await db.query(
        `SELECT * FROM ${deltaRef(breadthPath)} WHERE date < DATE ${sqlString(from)} UNION ALL SELECT * FROM bf_breadth_tail ORDER BY date`,
      );
    } else {
      rows = await db.query(`SELECT * FROM ${deltaRef(breadthPath)} ORDER BY date`);
    }

    // The three tables, each its own commit, at once.
    let tailsWritten: 'appended' | 'rewritten' | 'kept' = 'kept';
    await all([
      async () => {
        if (op.replaces) await db.query(replaceTableAs(features, 'SELECT * FROM bf_next_features'));
        else if (newRows > 0)
          await db.query(`INSERT INTO ${deltaRef(features)} SELECT * FROM bf_new_features`);
      },
      async () => {
        if (appends) await db.query(`INSERT INTO ${deltaRef(breadthPath)} SELECT * FROM bf_breadth_tail`);
        else if (from !== null) await db.query(mergeBreadthFrom(breadthPath, 'bf_breadth_tail', from));
      },
      async () => {
        if (op.tails === 'append') {
          if (newBars > 0) {
            await db.query(
              `INSERT INTO ${deltaRef(tails)} SELECT symbol, date, adj_close, pos FROM bf_new_bars`,
            );
            tailsWritten = 'appended';
          }
          return;
        }
        // All afresh, trimmed to each symbol's last bars: the symbols not recomputed, then each group's.
        const rem =
          op.removed.length > 0 ? ` AND symbol NOT IN (${op.removed.map(sqlString).join(', ')})` : '';
        const next = [
          `SELECT * FROM ${trimmedTailsSql(deltaRef(tails))} t WHERE symbol NOT IN (SELECT symbol FROM bf_recompute)${rem}`,
        ];
        if (fast) {
          // Each symbol's last bars, also of one whose new bars all left the run's range (its stored bars).
          next.push(`SELECT h.symbol, h.date, h.adj_close, h.pos FROM ${history} h
            JOIN (SELECT c.symbol, coalesce(w.bars, c.bars) AS bars FROM bf_recompute c
                  LEFT JOIN (SELECT symbol, max(bar_index) AS bars FROM bf_new_windows GROUP BY symbol) w
                    ON c.symbol = w.symbol
                  WHERE c.fast) s ON h.symbol = s.symbol
            WHERE h.pos > s.bars - ${FEATURES_LOOKBACK_BARS}`);
        }
        if (op.slow) next.push('SELECT * FROM bf_slow_tail');
        // Reads the version it replaces, as the features rewrite does.
        await db.query(replaceTableAs(tails, next.join('\nUNION ALL ')));
        tailsWritten = 'rewritten';
      },
    ]);
    const featuresCommit = await commitInfo(features, log);
    // The new days: all re-aggregated ones when appended, else those the MERGE inserted (the stored breadth lacked).
    const merged = from === null ? null : await commitInfo(breadthPath, log);
    const since = from;
    const days = since === null ? 0 : rows.filter((r) => String(r.date) >= since).length;
    return {
      rows,
      stats,
      windowsState,
      newRows,
      reaggregatedFrom: from,
      reaggregatedDays: days,
      newDays: appends ? days : Number(merged?.metrics.numTargetRowsInserted ?? 0),
      features: { version: featuresCommit.version, rows: Number(featuresCommit.metrics.numOutputRows ?? 0) },
      breadth: { rows: rows.length, version: (await commitInfo(breadthPath, log)).version },
      tails: { version: (await commitInfo(tails, log)).version, written: tailsWritten },
    };
  } finally {
    await uncache(db, cached.reverse());
  }
}

async function writeRows(
  db: Hs2Session,
  lake: string,
  op: Extract<SparkOp, { op: 'write-rows' }>,
  log: LogReader,
  view: string,
): Promise<Record<string, unknown>> {
  const path = tablePath(lake, op.table);
  if (op.input) {
    await db.query(ndjsonView(view, op.input, op.columns));
    const query = op.delayMs ? slowly(view, op.delayMs) : `SELECT * FROM ${view}`;
    await db.query(replaceTableAs(path, query));
  } else {
    await db.query(replaceEmptyTable(path, op.columns));
  }
  if (op.columns.some((c) => c.name === 'symbol')) return tableSummary(db, path, log);
  return { ...(await overwriteSummary(path, log)), symbols: [] };
}

/** Rows, sorted distinct symbols and the Delta version of a table. */
async function tableSummary(
  db: Hs2Session,
  path: string,
  log: LogReader,
): Promise<{ rows: number; symbols: string[]; version: number }> {
  const counts = await db.query(symbolCounts(path));
  const rows = counts.reduce((sum, r) => sum + Number(r.n), 0);
  const symbols = counts
    .map((r) => r.symbol)
    .filter((s): s is string => typeof s === 'string')
    .sort();
  return { rows, symbols, version: (await commitInfo(path, log)).version };
}

/** Rows and version of a table just replaced: from its commit's metrics, no scan. */
async function overwriteSummary(path: string, log: LogReader): Promise<{ rows: number; version: number }> {
  const c = await commitInfo(path, log);
  return { rows: Number(c.metrics.numOutputRows ?? 0), version: c.version };
}

async function commitInfo(path: string, log: LogReader): Promise<DeltaCommit> {
  const c = await log.latestCommit(path);
  if (!c) throw new BfError(`Delta table at ${path} has no history`);
  return c;
}
