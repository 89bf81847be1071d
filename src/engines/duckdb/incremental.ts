import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELTA_FILE_PREFIX, LAKE_DELTA_FILES_MAX } from '../../config/lake.ts';
import { type Lake, linkIntoStaging, TABLE } from '../../lake/index.ts';
import type { ColumnSpec, RowValue } from '../engine.ts';
import {
  appendsTails,
  BEGINNING,
  FEATURES_LOOKBACK_BARS,
  type IncrementalState,
  nextStats,
  type Recompute,
  type SymbolState,
} from '../incremental-plan.ts';
import {
  breadthTailCountsSql,
  featuresOuterSelect,
  newBarsSql,
  newBarWindowsSql,
  nextRunningSql,
  RUNNING_COLUMNS,
  runningLookupSql,
  runningNewSql,
  runningStateSql,
  runningWindowsSql,
  statsFromRows,
  symbolBarsSql,
  tailOfFeaturesSql,
  tailStatsSql,
  trimmedTailsSql,
  windowsStateSql,
} from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';
import { literal, PARQUET_WRITE, readParquet } from './sql-util.ts';

/**
 * The embedded engine's incremental run (issue 11 §3; the rule is in ../incremental-plan.ts): for new days after a
 * symbol's stored bars, sql/features.sql's own feature expressions over its window values computed for the new bars
 * only (newBarWindowsSql); for a symbol whose history changed, sql/features.sql, unchanged, over its bars; then
 * sql/breadth.sql over the dates from the earliest change on.
 * The state (what the stored features and breadth were computed from) sits in the breadth table's directory.
 */

/** In the breadth table's directory; removed before a run writes features, written back after breadth. */
export const STATE_FILE = '_incremental.json';

/** What this module needs from the engine's connection. */
export interface SqlSession {
  run(sql: string): Promise<void>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** COPY `query` to `<dir>/<name>.parquet`; returns the rows written. */
  copy(query: string, dir: string, name: string): Promise<number>;
  /** A table of `columns` filled with `rows` (values in column order; dates as ISO strings). */
  table(name: string, columns: readonly ColumnSpec[], rows: readonly RowValue[][]): Promise<void>;
}

/**
 * The stored tails' files (IncrementalState.tails), named per run. Not `.parquet`: a table's data files are the
 * `.parquet` files its _meta.json lists.
 */
const TAIL_PREFIX = '_incremental-tail-';
const TAIL_SUFFIX = '.pq';

/** How many tails files a run of new days adds to before they are written afresh (shared with the Spark engine). */
export { TAIL_FILES_MAX } from '../incremental-plan.ts';

/** The running state's file (IncrementalState.running), named per run like the tails. */
const RUNNING_PREFIX = '_incremental-running-';

/** The absolute path of the state's running state file when it is there, else null. */
export function runningPath(lake: Lake, state: IncrementalState | null): string | null {
  if (!state?.running) return null;
  const path = join(lake.tableDir(TABLE.breadth), state.running);
  return existsSync(path) ? path : null;
}

/** The absolute paths of the state's tails files when all of them are there, else null. */
export function tailPaths(lake: Lake, state: IncrementalState | null): string[] | null {
  const names = state?.tails ?? (state?.tail ? [state.tail] : []);
  if (names.length === 0) return null;
  const paths = names.map((n) => join(lake.tableDir(TABLE.breadth), n));
  return paths.every((p) => existsSync(p)) ? paths : null;
}

/** The next state's tails: stored files kept as they are, plus a temp table's rows as a new file. */
export interface NextTails {
  /** Absolute paths of stored tails files to keep (linked into the new breadth version). */
  keep: string[];
  /** Temp table (symbol, date, adj_close, pos) written as a new file, then dropped. */
  table: string;
  /** Temp table of the next running state (runningStateSql's columns), written as its file, then dropped. */
  running: string;
}

/**
 * Writes the relation `table` (symbol, date, adj_close, pos) into `dir` (the staging directory of the breadth
 * version the state goes with: the breadth directory is replaced with each version, so an earlier run's tails go
 * with it unless linked) as a new tails file; returns its name for IncrementalState.tails.
 */
export async function writeTail(db: SqlSession, table: string, dir: string): Promise<string> {
  const name = `${TAIL_PREFIX}${randomBytes(4).toString('hex')}${TAIL_SUFFIX}`;
  await db.run(`COPY (SELECT symbol, date, adj_close, pos FROM ${table})
    TO ${literal(join(dir, name))} (${PARQUET_WRITE})`);
  return name;
}

/** Writes the running state table `table` into `dir` beside the tails; returns its name for IncrementalState.running. */
export async function writeRunning(db: SqlSession, table: string, dir: string): Promise<string> {
  const name = `${RUNNING_PREFIX}${randomBytes(4).toString('hex')}${TAIL_SUFFIX}`;
  await db.run(
    `COPY (SELECT ${RUNNING_COLUMNS} FROM ${table}) TO ${literal(join(dir, name))} (${PARQUET_WRITE})`,
  );
  return name;
}

/**
 * The tails as a reader sees them, from stored tails files that may hold more than the last FEATURES_LOOKBACK_BARS
 * bars of a symbol (see IncrementalState.tails): each symbol's last ones by pos.
 */
export function trimmedTails(files: readonly string[]): string {
  return trimmedTailsSql(readParquet(files));
}

/**
 * A full run's next tails and per-symbol state, from its features (bar_index absolute): the tails into the temp
 * table `into`. Two scans of the features (per-symbol bars, then their last bars), not four.
 */
export async function tailsOfFeatures(
  db: SqlSession,
  features: string,
  into: string,
): Promise<Record<string, SymbolState>> {
  await db.run(`CREATE OR REPLACE TEMP TABLE symbol_bars AS ${symbolBarsSql(features)}`);
  await db.run(`CREATE OR REPLACE TABLE ${into} AS ${tailOfFeaturesSql(features, 'symbol_bars')}`);
  const rows = await db.rows(tailStatsSql('symbol_bars', into));
  await db.run('DROP TABLE symbol_bars');
  return statsFromRows(rows);
}

export function readState(lake: Lake): IncrementalState | null {
  const path = join(lake.tableDir(TABLE.breadth), STATE_FILE);
  if (!lake.has(TABLE.breadth) || !existsSync(path)) return null;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as IncrementalState;
    return state.format === 1 ? state : null;
  } catch {
    // Unreadable state costs one full recompute, nothing else.
    return null;
  }
}

/** Before features change: a run interrupted from here on leaves no state, so the next run recomputes in full. */
export function dropState(lake: Lake): void {
  rmSync(join(lake.tableDir(TABLE.breadth), STATE_FILE), { force: true });
}

/** After features and breadth are written (temp file renamed in: a reader sees the whole state or none). */
export function writeState(lake: Lake, state: IncrementalState): void {
  const path = join(lake.tableDir(TABLE.breadth), STATE_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state)}\n`);
  renameSync(temp, path);
}

export interface IncrementalRun {
  lake: Lake;
  db: SqlSession;
  priceFiles: readonly string[];
  /** ` AND date >= … AND date <= …`: the run's range, as the full path filters `prices`. */
  inRange: string;
  recompute: readonly Recompute[];
  removed: readonly string[];
  breadthFrom: string | null;
  /** Lineage and symbols of the features/breadth versions written. */
  meta: { source: string; synthetic: boolean; symbols: string[] };
  state: IncrementalState;
  /** The stored tails' files (tailPaths), or null: then they are read from the prices and none are kept. */
  tails: string[] | null;
  /** The stored running state's file (runningPath), or null: then it is aggregated from the tails. */
  running: string | null;
}

export interface IncrementalResult {
  /** The new state's per-symbol part. */
  stats: Record<string, SymbolState>;
  featureFiles: string[];
  /** The relation holding the whole new breadth (every date), for the caller to read and drop. */
  breadth: string;
  /** The next tails (for writeTail), or null when none are kept. */
  tails: NextTails | null;
  reaggregatedFrom: string | null;
  reaggregatedDays: number;
  newDays: number;
}

/**
 * Recomputes what `recompute` / `removed` change, writes the new features and breadth versions, and leaves the
 * whole breadth in the temp table `breadth_result`. Runs under the caller's lake lock.
 */
export async function runIncremental(r: IncrementalRun): Promise<IncrementalResult> {
  const { db, lake } = r;
  const oldFeatureMeta = lake.readMeta(TABLE.features)!;
  const oldFeatureFiles = oldFeatureMeta.files.map((f) => join(lake.tableDir(TABLE.features), f));
  const oldBreadthFiles = lake.parquetFiles(TABLE.breadth)!;

  const fast = featuresOuterSelect(loadSql('features'));
  // New days after a symbol's stored bars: the window values of the new bars only (newBarWindowsSql).
  const isFast = (x: Recompute) => fast !== null && x.append && x.tailStart !== null;
  await db.table(
    'recompute',
    [
      { name: 'symbol', type: 'VARCHAR' },
      { name: 'tail_start_text', type: 'VARCHAR' },
      { name: 'offset', type: 'BIGINT' },
      { name: 'keep_from_text', type: 'VARCHAR' },
      { name: 'fast', type: 'BOOLEAN' },
      { name: 'bars', type: 'BIGINT' },
    ],
    r.recompute.map((x) => [
      x.symbol,
      x.tailStart,
      x.offset,
      x.keepFrom,
      isFast(x),
      r.state.stats[x.symbol]?.bars ?? 0,
    ]),
  );
  // Dates as text through the appender: it cannot hold year 1 (BEGINNING); DuckDB's cast can.
  await db.run(`CREATE OR REPLACE TABLE recompute AS SELECT symbol, CAST(tail_start_text AS DATE) AS tail_start,
    "offset", CAST(keep_from_text AS DATE) AS keep_from, fast, bars FROM recompute`);
  await db.table(
    'removed_symbols',
    [{ name: 'symbol', type: 'VARCHAR' }],
    r.removed.map((s) => [s]),
  );
  const fastOnes = r.recompute.filter(isFast);
  const slowOnes = r.recompute.filter((x) => !isFast(x));
  // The earliest bar a group's tails read: lets the scan skip older dates before the join.
  const lowest = (xs: readonly Recompute[]) =>
    xs.some((x) => x.tailStart === null) ? BEGINNING : (xs.map((x) => x.tailStart!).sort()[0] ?? BEGINNING);
  const recomputed: Record<string, SymbolState> = {};
  // The next tails. Only new days: the stored files stay and the new bars go in a file of their own (until
  // TAIL_FILES_MAX). Otherwise all afresh: the stored ones of the symbols not recomputed, then each group's.
  const appendTails =
    r.tails !== null &&
    appendsTails({
      stored: r.tails.length,
      fast: fastOnes.length,
      slow: slowOnes.length,
      removed: r.removed.length,
    });
  const rewriteTails = r.tails !== null && !appendTails;
  // The running state goes with the tails: the stored one (aggregated from the tails when the state has none: a
  // state written before it existed), and the next one, built from each path's new rows, then the stored rows of
  // every symbol not recomputed.
  if (r.tails) {
    await db.run(
      `CREATE OR REPLACE TABLE running AS ${
        r.running
          ? `SELECT ${RUNNING_COLUMNS} FROM ${readParquet([r.running])}`
          : runningStateSql(trimmedTails(r.tails))
      }`,
    );
    await db.run('CREATE OR REPLACE TABLE next_running AS SELECT * FROM running LIMIT 0');
  }
  if (rewriteTails) {
    await db.run(`CREATE OR REPLACE TABLE next_tail AS SELECT * FROM ${trimmedTails(r.tails!)}
      WHERE symbol NOT IN (SELECT symbol FROM recompute) AND symbol NOT IN (SELECT symbol FROM removed_symbols)`);
  }
  // The first group creates new_features, the second adds to it.
  let into = 'CREATE OR REPLACE TABLE new_features AS';
  if (fastOnes.length > 0) {
    // The new bars with their absolute bar_index (`new_bars`), and the bars their frames read (`history`: the new
    // bars plus the stored tails, a small file, or without them each symbol's bars from its tail start in the
    // prices, numbered from the bars before the tail).
    let history: string;
    if (r.tails) {
      const firstNew = fastOnes.map((x) => x.keepFrom).sort()[0]!;
      await db.run(
        `CREATE OR REPLACE TABLE new_bars AS ${newBarsSql(
          `(SELECT symbol, date, adj_close FROM ${readParquet(r.priceFiles)}
          WHERE date >= DATE ${literal(firstNew)}${r.inRange})`,
          'recompute',
        )}`,
      );
      // A symbol's bars older than its window, left in the stored files, are never in a new bar's frame; the
      // join with new_bars keeps only the recomputed symbols' bars.
      history = `(SELECT symbol, date, adj_close, pos FROM ${readParquet(r.tails)}
        UNION ALL SELECT symbol, date, adj_close, pos FROM new_bars)`;
    } else {
      await db.run(`CREATE OR REPLACE TABLE fast_tail AS
        SELECT p.symbol, p.date, p.adj_close, c.keep_from,
          row_number() OVER (PARTITION BY p.symbol ORDER BY p.date) + c."offset" AS pos
        FROM (SELECT symbol, date, adj_close FROM ${readParquet(r.priceFiles)}
              WHERE date >= DATE ${literal(lowest(fastOnes))}${r.inRange}) p
        JOIN recompute c ON p.symbol = c.symbol AND c.fast AND p.date >= c.tail_start`);
      await db.run(`CREATE OR REPLACE TABLE new_bars AS
        SELECT symbol, date, adj_close, pos FROM fast_tail WHERE date >= keep_from`);
      history = '(SELECT symbol, date, adj_close, pos FROM fast_tail)';
    }
    // The bars whose window values another bar's frames would give: aggregated over their frames.
    let framed = 'new_bars';
    if (r.tails) {
      // One new bar after the bar its symbol's running state is at (a nightly run): its window values from that
      // state, and the next state from the bars leaving the frames, looked up in the tails (no frame aggregated).
      await db.run(`CREATE OR REPLACE TABLE run_new AS ${runningNewSql('new_bars', 'running')}`);
      await db.run(
        `CREATE OR REPLACE TABLE run_lookup AS ${runningLookupSql(readParquet(r.tails), 'run_new')}`,
      );
      await db.run(`CREATE OR REPLACE TABLE new_windows AS ${runningWindowsSql('run_new', 'run_lookup')}`);
      await db.run(`INSERT INTO next_running BY NAME ${nextRunningSql('run_new', 'run_lookup')}`);
      await db.run('DROP TABLE run_lookup');
      framed = '(SELECT * FROM new_bars WHERE symbol NOT IN (SELECT symbol FROM run_new))';
      const [{ rest }] = (await db.rows(`SELECT count(*) AS rest FROM ${framed}`)) as [
        { rest: number | bigint },
      ];
      if (Number(rest) === 0) framed = '';
    } else {
      await db.run(`CREATE OR REPLACE TABLE new_windows AS ${newBarWindowsSql('new_bars', history)}`);
      framed = '';
    }
    if (framed) {
      // Several new bars of a symbol (missed nights), or no running state at its last stored bar.
      await db.run(`INSERT INTO new_windows BY NAME ${newBarWindowsSql(framed, history)}`);
      if (r.tails) {
        await db.run(
          `INSERT INTO next_running BY NAME ${runningStateSql(
            `(SELECT h.* FROM ${history} h WHERE h.symbol IN (SELECT symbol FROM new_bars WHERE symbol NOT IN (SELECT symbol FROM next_running)))`,
          )}`,
        );
      }
    }
    await db.run('DROP TABLE IF EXISTS run_new');
    await db.run(`${into}\n${fast}\nFROM new_windows w`);
    into = 'INSERT INTO new_features';
    // Each symbol's state from its last new bar (its first date stays the stored one).
    const last = await db.rows(windowsStateSql('new_windows'));
    for (const row of last) {
      const symbol = String(row.symbol);
      recomputed[symbol] = {
        bars: Number(row.bars),
        first: r.state.stats[symbol]!.first,
        last: String(row.last),
        tailStart: String(row.tail_start),
      };
    }
    if (appendTails) {
      await db.run('CREATE OR REPLACE TABLE next_tail AS SELECT symbol, date, adj_close, pos FROM new_bars');
    } else if (rewriteTails) {
      // Each symbol's last bars, also of one whose new bars all left the run's range (its stored bars).
      await db.run(`INSERT INTO next_tail SELECT h.symbol, h.date, h.adj_close, h.pos FROM ${history} h
        JOIN (SELECT c.symbol, coalesce(w.bars, c.bars) AS bars FROM recompute c
              LEFT JOIN (SELECT symbol, max(bar_index) AS bars FROM new_windows GROUP BY symbol) w USING (symbol)
              WHERE c.fast) s USING (symbol)
        WHERE h.pos > s.bars - ${FEATURES_LOOKBACK_BARS}`);
    }
    await db.run('DROP TABLE new_windows');
    await db.run('DROP TABLE new_bars');
    await db.run('DROP TABLE IF EXISTS fast_tail');
  }
  // Also when nothing is recomputed (only symbols removed): new_features is then empty.
  if (slowOnes.length > 0 || fastOnes.length === 0) {
    // The tail: per symbol, from its tail start (its first bar when null) on, within the run's range.
    await db.run(`CREATE OR REPLACE VIEW prices AS SELECT * FROM (
        SELECT p.* FROM ${readParquet(r.priceFiles)} p JOIN recompute c ON p.symbol = c.symbol AND NOT c.fast
        WHERE p.date >= DATE ${literal(lowest(slowOnes))} AND p.date >= coalesce(c.tail_start, DATE ${literal(BEGINNING)})
      ) WHERE true${r.inRange}`);
    await db.run(`CREATE OR REPLACE TABLE tail_features AS\n${loadSql('features')}\n`);
    await db.run('DROP VIEW prices');
    // bar_index counts from the tail's first bar: shift it by the bars before the tail.
    await db.run(`${into}
      SELECT f.* REPLACE (f.bar_index + c."offset" AS bar_index)
      FROM tail_features f JOIN recompute c ON f.symbol = c.symbol WHERE f.date >= c.keep_from`);
    const shifted =
      '(SELECT f.symbol, f.date, f.adj_close, f.bar_index + c."offset" AS bar_index FROM tail_features f JOIN recompute c ON f.symbol = c.symbol)';
    Object.assign(recomputed, await tailsOfFeatures(db, shifted, 'slow_tail'));
    if (rewriteTails) await db.run('INSERT INTO next_tail SELECT * FROM slow_tail');
    if (r.tails) await db.run(`INSERT INTO next_running BY NAME ${runningStateSql('slow_tail')}`);
    await db.run('DROP TABLE slow_tail');
    await db.run('DROP TABLE tail_features');
  }

  // The new state: untouched symbols keep theirs; a tail that did not start at the first bar keeps `first`.
  const stats = nextStats(r.state, r.recompute, r.removed, recomputed, isFast);

  if (r.tails) {
    // The symbols whose stored bars stand keep their running state (not one removed or whose history changed).
    await db.run(`INSERT INTO next_running SELECT * FROM running
      WHERE symbol NOT IN (SELECT symbol FROM next_running) AND symbol NOT IN (SELECT symbol FROM removed_symbols)
        AND symbol NOT IN (SELECT symbol FROM recompute WHERE NOT fast)`);
    await db.run('DROP TABLE running');
  }

  const [{ new_rows, new_first }] = (await db.rows(
    'SELECT count(*) AS new_rows, CAST(min(date) AS VARCHAR) AS new_first FROM new_features',
  )) as [{ new_rows: bigint | number; new_first: string | null }];
  const newRows = Number(new_rows);
  const replaces = r.removed.length > 0 || r.recompute.some((x) => !x.append);
  const tag = randomBytes(4).toString('hex');
  // One base file (a full run's, or the last rewrite's) and the delta files of the runs since.
  const isDelta = (f: string) => f.slice(f.lastIndexOf('/') + 1).startsWith(DELTA_FILE_PREFIX);
  const base = oldFeatureFiles.filter((f) => !isDelta(f));
  const deltas = oldFeatureFiles.filter(isDelta);
  const written = await lake.writeTable(
    TABLE.features,
    async (dir) => {
      if (replaces) {
        // Stored rows change: one new file, the kept rows and the new ones.
        const rows = await db.copy(
          `SELECT * FROM ${readParquet(oldFeatureFiles)} o
             WHERE o.symbol NOT IN (SELECT symbol FROM removed_symbols)
               AND NOT EXISTS (SELECT 1 FROM recompute c WHERE c.symbol = o.symbol AND o.date >= c.keep_from)
           UNION ALL SELECT * FROM new_features`,
          dir,
          `features-${tag}`,
        );
        return { rows };
      }
      // Only new rows: the stored files stay (hard links, no copy) and the new rows go in a file of their own;
      // past LAKE_DELTA_FILES_MAX such files they are merged into one.
      for (const f of base) linkIntoStaging(f, dir);
      if (deltas.length >= LAKE_DELTA_FILES_MAX) {
        await db.copy(
          `SELECT * FROM ${readParquet(deltas)} UNION ALL SELECT * FROM new_features`,
          dir,
          `${DELTA_FILE_PREFIX}${tag}`,
        );
      } else {
        for (const f of deltas) linkIntoStaging(f, dir);
        if (newRows > 0) await db.copy('SELECT * FROM new_features', dir, `${DELTA_FILE_PREFIX}${tag}`);
      }
      return { rows: oldFeatureMeta.rows + newRows };
    },
    { ...r.meta, rows: 0 },
  );
  const featureFiles = written.files.map((f) => join(lake.tableDir(TABLE.features), f));

  // Breadth: kept before the earliest change, re-aggregated from it on over every symbol's rows.
  let from = r.breadthFrom;
  if (new_first !== null && (from === null || new_first < from)) from = new_first;
  const since = from ?? '9999-12-31';
  await db.run(
    `CREATE OR REPLACE VIEW features AS SELECT * FROM ${readParquet(featureFiles)} WHERE date >= DATE ${literal(since)}`,
  );
  await db.run(`CREATE OR REPLACE TABLE breadth_tail AS\n${loadSql('breadth')}\n`);
  await db.run('DROP VIEW features');
  const [{ days, fresh }] = (await db.rows(
    breadthTailCountsSql('breadth_tail', readParquet(oldBreadthFiles)),
  )) as [{ days: bigint | number; fresh: bigint | number | null }];
  await db.run(`CREATE OR REPLACE TABLE breadth_result AS
    SELECT * FROM ${readParquet(oldBreadthFiles)} WHERE date < DATE ${literal(since)}
    UNION ALL SELECT * FROM breadth_tail`);
  for (const t of ['breadth_tail', 'new_features', 'recompute', 'removed_symbols']) {
    await db.run(`DROP TABLE ${t}`);
  }
  return {
    stats,
    featureFiles: written.files,
    breadth: 'breadth_result',
    tails: r.tails ? { keep: appendTails ? r.tails : [], table: 'next_tail', running: 'next_running' } : null,
    reaggregatedFrom: from,
    reaggregatedDays: Number(days),
    newDays: Number(fresh),
  };
}
