import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, dateValue } from '@duckdb/node-api';
import { DUCKDB_MEMORY_LIMIT_DEFAULT, DUCKDB_MEMORY_LIMIT_ENV } from '../../config/engine.ts';
import { DELTA_FILE_PREFIX, LAKE_DELTA_FILES_MAX } from '../../config/lake.ts';
import type { DailyBar } from '../../domain/bar.ts';
import type { BreadthDay } from '../../domain/breadth.ts';
import {
  changesSince,
  nextChangeLog,
  readChangeLog,
  type SymbolChanges,
  writeChangeLog,
} from '../../lake/changes.ts';
import {
  type Lake,
  linkIntoStaging,
  TABLE,
  type TableMeta,
  type TableMetaInput,
  type TableName,
} from '../../lake/index.ts';
import { joinSources, pricesLineage } from '../../lake/lineage.ts';
import { BfError, UsageError } from '../../util/errors.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { SerialQueue } from '../../util/serial-queue.ts';
import {
  type BreadthOptions,
  breadthDayFromRow,
  type ColumnSpec,
  type CsvFileCounts,
  type CsvLoadRequest,
  checkColumns,
  type DateBounds,
  type LakeEngine,
  PRICE_COLUMNS,
  type PricesMeta,
  type PricesWrite,
  type PricesWritten,
  type Row,
  type RowValue,
  type TableWrite,
  type VanishedBars,
} from '../engine.ts';
import {
  describeIncremental,
  type IncrementalState,
  planRecompute,
  type RunKey,
} from '../incremental-plan.ts';
import { featuresOuterSelect, runningStateSql, sqlFingerprint } from '../incremental-sql.ts';
import { rowsDigests } from '../rows-digest.ts';
import { loadSql } from '../sql-files.ts';
import { checkCsvFiles, csvIncomingSql, dropCsvTables } from './csv-ingest.ts';
import {
  dropState,
  type NextTails,
  readState,
  runIncremental,
  runningPath,
  type SqlSession,
  tailPaths,
  tailsOfFeatures,
  writeRunning,
  writeState,
  writeTail,
} from './incremental.ts';
import { newSpillDir, sweepSpill } from './spill.ts';
import { epochDays, ident, literal, PARQUET_WRITE, readParquet } from './sql-util.ts';
import { traced } from './trace.ts';
import { readScanBars, type WindowScanQuery, windowScanQuery } from './window-scan-source.ts';

/** `mergeIncoming`'s freshOrder when a Parquet file holds `incoming` as the table's file, in (symbol, date) order. */
interface Written {
  file: string;
  rows: number;
}

/** The ENUM type of a full breadth run's symbols (created and dropped by the run). */
const SYMBOL_ENUM = 'bf_symbol';

export type { ColumnSpec, ColumnType, PricesMeta, Row, RowValue } from '../engine.ts';

export interface DuckDbEngineOptions {
  logger?: Logger;
  /** DuckDB `memory_limit` (spills to `<workdir>/tmp/duckdb` beyond it). Default DUCKDB_MEMORY_LIMIT_DEFAULT. */
  memoryLimit?: string;
  /** DuckDB worker threads. Default: DuckDB's (all cores). */
  threads?: number;
  /**
   * How a full run computes features.sql's window values: `scan` (default) in one pass over the sorted bars
   * (./window-scan-source.ts), falling back to `sql` (features.sql as written, DuckDB's framed aggregates) for bars
   * the scan refuses. Tests run both and compare.
   */
  featureWindows?: 'scan' | 'sql';
}

/**
 * The embedded engine: an in-memory DuckDB over the Parquet lake. All state lives in the lake; the DuckDB
 * database only holds temporary tables for the duration of one call.
 */
export class DuckDbEngine implements LakeEngine {
  readonly name = 'duckdb';
  readonly lake: Lake;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private readonly logger: Logger;
  private readonly queue = new SerialQueue();
  private readonly featureWindows: 'scan' | 'sql';

  /** This engine's own spill directory (src/engines/duckdb/spill.ts), removed on close. */
  private readonly spillDir: string;

  private constructor(
    lake: Lake,
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    logger: Logger,
    spillDir: string,
    featureWindows: 'scan' | 'sql',
  ) {
    this.featureWindows = featureWindows;
    this.lake = lake;
    this.instance = instance;
    this.conn = conn;
    this.logger = logger;
    this.spillDir = spillDir;
  }

  static async open(lake: Lake, opts: DuckDbEngineOptions = {}): Promise<DuckDbEngine> {
    // What killed runs spilled is nobody's: gone before this run spills its own.
    const swept = sweepSpill(lake.workdir);
    if (swept.length > 0) {
      opts.logger?.info(
        `removed ${swept.length} spill file(s)/dir(s) of interrupted runs: ${swept.join(', ')}`,
      );
    }
    // DuckDB creates only the last level of its spill directory; without the parents, any work past
    // memory_limit fails ("Failed to create directory"). A directory per engine: DuckDB's file names are fixed.
    const tempDirectory = newSpillDir(lake.workdir);
    mkdirSync(tempDirectory, { recursive: true });
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? DUCKDB_MEMORY_LIMIT_DEFAULT,
      temp_directory: tempDirectory,
      preserve_insertion_order: 'false',
    };
    if (opts.threads) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(':memory:', config);
    const conn = traced(await instance.connect());
    return new DuckDbEngine(
      lake,
      instance,
      conn,
      opts.logger ?? silentLogger,
      tempDirectory,
      opts.featureWindows ?? 'scan',
    );
  }

  /** Under the lake's shared lock, so a concurrent writer's swap never shows the table as missing. */
  readMeta(table: TableName): Promise<TableMeta | null> {
    return this.lake.withReadLock(async () => this.lake.readMeta(table));
  }

  /**
   * Merges bars into `prices`, keyed by (symbol, date): a bar for an existing key replaces it, others are added;
   * bars of the fetched symbols within the range that the fetch lacks are kept or dropped (`write.replace`).
   * When no bar would change, the bars are left as they are and only the lineage is recorded.
   */
  async writePrices(bars: readonly DailyBar[], write: PricesWrite): Promise<PricesWritten> {
    // The lake lock spans the read of the current version through the rename of the merged one, so a concurrent
    // bf process can neither slip a version in between (lost update) nor be overwritten by ours.
    return this.serial(() => this.lake.withLock(() => this.mergePrices(bars, write)));
  }

  private async mergePrices(bars: readonly DailyBar[], write: PricesWrite): Promise<PricesWritten> {
    if (bars.length === 0) return this.unchanged();
    await this.conn.run(
      `CREATE OR REPLACE TABLE incoming_raw (seq INTEGER, ${PRICE_COLUMNS.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
    );
    const appender = await this.conn.createAppender('incoming_raw');
    try {
      for (let i = 0; i < bars.length; i++) appendBar(appender, bars[i]!, i);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    // Within one call the last bar given for a key wins.
    await this.conn.run(`CREATE OR REPLACE TABLE incoming AS
      SELECT * EXCLUDE (seq) FROM incoming_raw QUALIFY row_number() OVER (PARTITION BY symbol, date ORDER BY seq DESC) = 1`);
    await this.conn.run('DROP TABLE incoming_raw');
    try {
      return await this.mergeIncoming(bars.length, [...new Set(bars.map((b) => b.symbol))], write);
    } finally {
      await this.conn.run('DROP TABLE IF EXISTS incoming');
    }
  }

  private unchanged(): PricesWritten {
    const current = this.lake.readMeta(TABLE.prices);
    return {
      rows: current?.rows ?? 0,
      symbols: current?.symbols.length ?? 0,
      replaced: 0,
      added: 0,
      vanished: [],
      dropped: false,
    };
  }

  async loadCsvPrices(req: CsvLoadRequest): Promise<{ written: PricesWritten; counts: CsvFileCounts[] }> {
    return this.serial(async () => {
      // The plain files' rows, written before the judge sees the counts: in the spill directory, outside the lake.
      const plainFile = join(this.spillDir, `csv-plain-${randomBytes(4).toString('hex')}.parquet`);
      try {
        const checked = await checkCsvFiles(this.conn, req.files, req.range, plainFile);
        const { counts } = checked;
        const keep = await req.judge(counts);
        const bars = keep.reduce((n, i) => n + (counts[i]?.bars ?? 0), 0);
        if (bars === 0) return { written: this.unchanged(), counts };
        const incoming = csvIncomingSql(req.files, keep, req.range, checked);
        await this.conn.run(`CREATE OR REPLACE VIEW incoming AS ${incoming.sql}`);
        const symbols = keep.map((i) => req.files[i]!.symbol);
        // Only the read-merge-write holds the lake lock; reading and checking the CSVs needs none.
        const written = await this.lake.withLock(() =>
          // rank orders the files by symbol: a first load sorts on (rank, date), integers, not on strings, and
          // writes nothing when the plain reader's file holds the rows already.
          this.mergeIncoming(
            bars,
            symbols,
            req.meta,
            incoming.file ? { file: incoming.file, rows: checked.plainRows } : 'rank, date',
          ),
        );
        return { written, counts };
      } finally {
        await this.conn.run('DROP VIEW IF EXISTS incoming');
        await dropCsvTables(this.conn);
        rmSync(plainFile, { force: true });
      }
    });
  }

  /**
   * Merges the relation `incoming` (prices columns, one row per key, of `incomingSymbols`) into `prices`, sorted by
   * (symbol, date): counts the bars it replaces and adds, finds the bars of its symbols within `write.range` it
   * lacks (kept, or dropped with `replace`), and records the fetch in the per-symbol lineage. `freshOrder` is an
   * ORDER BY over `incoming` giving that order when there is nothing to merge, or the file that holds `incoming`
   * in that order already (moved into the table as it is).
   */
  private async mergeIncoming(
    incomingRows: number,
    incomingSymbols: readonly string[],
    given: PricesWrite,
    freshOrder: string | Written = 'symbol, date',
  ): Promise<PricesWritten> {
    const span = given.range
      ? null
      : ((await this.row('SELECT CAST(min(date) AS VARCHAR), CAST(max(date) AS VARCHAR) FROM incoming')) as [
          string,
          string,
        ]);
    const write = {
      ...given,
      range: given.range ?? { start: span![0], end: span![1] },
      fetchedAt: given.fetchedAt ?? new Date().toISOString(),
    };
    const existingFiles = this.lake.parquetFiles(TABLE.prices);
    const existingMeta = this.lake.readMeta(TABLE.prices);
    const cols = PRICE_COLUMNS.map((c) => ident(c.name)).join(', ');
    const fetched = [...incomingSymbols].sort();
    const inRange = `date BETWEEN DATE ${literal(write.range.start)} AND DATE ${literal(write.range.end)}`;
    let replaced = 0;
    let added = incomingRows;
    let vanished: VanishedBars[] = [];
    const changes: SymbolChanges = {};
    let mergedSql: string;
    let order: string | Written = 'symbol, date';
    let appendOnly = false;
    if (existingFiles && existingMeta) {
      const existing = `(SELECT ${cols} FROM ${readParquet(existingFiles)})`;
      const differs = PRICE_COLUMNS.slice(2)
        .map((c) => `i.${ident(c.name)} IS DISTINCT FROM e.${ident(c.name)}`)
        .join(' OR ');
      // Per symbol, also the earliest bar added or replaced: the change log (src/lake/changes.ts) records it.
      const perSymbol = (
        await this.conn.runAndReadAll(`SELECT symbol,
          count(*) FILTER (WHERE e.symbol IS NOT NULL AND (${differs})) AS replaced,
          count(*) FILTER (WHERE e.symbol IS NULL) AS added,
          count(*) AS incoming,
          CAST(min(date) FILTER (WHERE e.symbol IS NULL OR (${differs})) AS VARCHAR) AS first_changed
        FROM incoming i LEFT JOIN ${existing} e USING (symbol, date) GROUP BY symbol`)
      ).getRowObjectsJS();
      replaced = 0;
      added = 0;
      let incomingCount = 0;
      for (const r of perSymbol) {
        replaced += Number(r.replaced);
        added += Number(r.added);
        incomingCount += Number(r.incoming);
        if (r.first_changed !== null) changes[String(r.symbol)] = String(r.first_changed);
      }
      const reader = await this.conn.runAndReadAll(`SELECT symbol, count(*) AS bars,
          CAST(min(date) AS VARCHAR) AS first, CAST(max(date) AS VARCHAR) AS last
        FROM ${existing} e
        WHERE symbol IN (SELECT symbol FROM incoming) AND ${inRange}
          AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.symbol = e.symbol AND i.date = e.date)
        GROUP BY symbol ORDER BY symbol`);
      vanished = reader.getRowObjectsJS().map((r) => ({
        symbol: String(r.symbol),
        bars: Number(r.bars),
        first: String(r.first),
        last: String(r.last),
      }));
      const drop = write.replace && vanished.length > 0;
      if (drop) {
        for (const v of vanished) {
          const seen = changes[v.symbol];
          if (seen === undefined || v.first < seen) changes[v.symbol] = v.first;
        }
      }
      const lineage = pricesLineage(existingMeta, fetched, write, vanished);
      if (replaced === 0 && added === 0 && !drop) {
        this.logger.info(`prices: ${incomingRows} bars already in the lake, nothing to write`);
        await this.lake.rewriteLineage(TABLE.prices, lineage);
        return {
          rows: existingMeta.rows,
          symbols: existingMeta.symbols.length,
          replaced,
          added,
          vanished,
          dropped: false,
        };
      }
      // Only new keys (a fetch of new days): the stored files stay and the new bars go in a file of their own.
      const deltas = existingMeta.files.filter((f) => f.startsWith(DELTA_FILE_PREFIX)).length;
      appendOnly = replaced === 0 && !drop && added === incomingCount && deltas < LAKE_DELTA_FILES_MAX;
      // With replace, the fetched symbols' bars in the range are exactly what the fetch delivered.
      const keep = drop ? ` WHERE NOT (symbol IN (SELECT symbol FROM incoming) AND ${inRange})` : '';
      mergedSql = `SELECT ${cols} FROM (SELECT * FROM ${existing} e ANTI JOIN incoming i USING (symbol, date))${keep}
        UNION ALL SELECT ${cols} FROM incoming`;
    } else {
      mergedSql = `SELECT * FROM incoming`;
      order = freshOrder;
    }
    await this.conn.run(`CREATE OR REPLACE VIEW merged_prices AS ${mergedSql}`);
    // A merge keeps every symbol it had and adds the incoming ones.
    const symbols = [...new Set([...(existingMeta?.symbols ?? []), ...incomingSymbols])].sort();
    const written = await this.lake.writeTable(
      TABLE.prices,
      async (dir) => {
        let rows: number;
        if (appendOnly) {
          for (const f of existingFiles!) linkIntoStaging(f, dir);
          const tag = randomBytes(4).toString('hex');
          rows =
            existingMeta!.rows +
            (await this.copyToParquet(
              // The table's own column types, whatever the incoming relation's are (one schema in every file).
              `SELECT ${PRICE_COLUMNS.map((c) => `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}`).join(', ')}
               FROM incoming ORDER BY symbol, date`,
              dir,
              `${DELTA_FILE_PREFIX}${tag}`,
            ));
        } else if (typeof order !== 'string') {
          moveFile(order.file, join(dir, 'prices.parquet'));
          rows = order.rows;
        } else {
          rows = await this.copyToParquet(
            `SELECT ${cols} FROM merged_prices ORDER BY ${order}`,
            dir,
            'prices',
          );
        }
        // A new table starts a new log: no earlier version to compare with.
        writeChangeLog(
          dir,
          nextChangeLog(existingMeta ? readChangeLog(this.lake.tableDir(TABLE.prices)) : null, changes),
        );
        return { rows };
      },
      {
        source: joinSources([existingMeta?.source ?? '', write.source]),
        synthetic: (existingMeta?.synthetic ?? false) || write.synthetic,
        rows: 0,
        symbols,
        lineage: pricesLineage(existingMeta, fetched, write, vanished),
      },
    );
    await this.conn.run('DROP VIEW merged_prices');
    this.logger.info(
      `prices: ${written.rows} bars for ${symbols.length} symbols in ${this.lake.tableDir(TABLE.prices)}`,
    );
    return {
      rows: written.rows,
      symbols: symbols.length,
      replaced,
      added,
      vanished,
      dropped: Boolean(write.replace) && vanished.length > 0,
    };
  }

  /**
   * Runs `sql/features.sql` then `sql/breadth.sql` over the prices of `symbols` (all symbols when omitted), stores
   * the `features` and `breadth` tables, and returns the breadth rows ordered by date. Recomputes only what
   * changed since the stored run of the same list and range when it can (./incremental.ts), with the same result.
   */
  async computeBreadth(
    symbols?: readonly string[],
    range: DateBounds = {},
    opts: BreadthOptions = {},
  ): Promise<BreadthDay[]> {
    // Locked as one: breadth is computed from the features this call wrote, not from another run's.
    return this.serial(() => this.lake.withLock(() => this.breadth(symbols, range, opts)));
  }

  private async breadth(
    symbols: readonly string[] | undefined,
    range: DateBounds,
    opts: BreadthOptions,
  ): Promise<BreadthDay[]> {
    // Read once: with its per-symbol lineage, prices' _meta.json is over a megabyte at 3,000 symbols.
    const pricesMeta = this.lake.readMeta(TABLE.prices);
    const priceFiles = pricesMeta?.files.map((f) => join(this.lake.tableDir(TABLE.prices), f));
    if (!priceFiles || !pricesMeta || pricesMeta.rows === 0) {
      throw new BfError(`no prices in the lake of workdir ${this.lake.workdir}`, {
        hint: 'run `bf data fetch` first (or pass --workdir / BF_HOME pointing at the workdir that holds them)',
      });
    }
    // The run's date range: bars outside it do not exist for this run (the same filter as the Spark engine).
    const inRange = [
      range.start ? `date >= DATE ${literal(range.start)}` : '',
      range.end ? `date <= DATE ${literal(range.end)}` : '',
    ]
      .filter(Boolean)
      .map((c) => ` AND ${c}`)
      .join('');
    let wanted: string[];
    if (symbols === undefined) {
      wanted = pricesMeta.symbols;
    } else {
      wanted = [...new Set(symbols)].sort();
      if (wanted.length === 0) throw new UsageError('the symbol list is empty', 'give at least one symbol');
      const present = new Set(pricesMeta.symbols);
      const absent = wanted.filter((s) => !present.has(s));
      if (absent.length > 0) {
        throw new BfError(
          `${absent.length} of ${wanted.length} symbols have no prices in the lake of workdir ${this.lake.workdir}: ${absent.join(', ')}`,
          { hint: 'run `bf data fetch` for them first, or remove them from the list' },
        );
      }
    }
    // The full path's input (features.sql reads the view `prices`). Defined only there: binding it reads the
    // footers of every prices file, which an incremental run does not need.
    //
    // The symbols come as an ENUM: the windows partition and sort on a small integer instead of a string, and the
    // features write takes the enum's dictionary instead of hashing every row's string (the file's column is the
    // same UTF-8 string column; its row-group min/max become the whole list, but features is written in no order,
    // so they prune nothing either way). Peak RSS 0.94 → 0.61 GB at 3,000 × 20 (README Benchmarks).
    const symbolCol = `* REPLACE (CAST(symbol AS ${SYMBOL_ENUM}) AS symbol)`;
    const definePrices = async () => {
      await this.conn.run(
        `CREATE OR REPLACE TYPE ${SYMBOL_ENUM} AS ENUM (${wanted.map((s) => literal(s)).join(', ')})`,
      );
      if (symbols === undefined) {
        await this.conn.run(
          `CREATE OR REPLACE VIEW prices AS SELECT ${symbolCol} FROM ${readParquet(priceFiles)} WHERE true${inRange}`,
        );
        return;
      }
      // The list as a filter on the ENUM cast, not a join: a semi-join's output leaves the file's (symbol, date)
      // order, which the window scan reads the bars in. The range prunes row groups of the sorted file.
      const [lo, hi] = await this.row(
        `SELECT min(s), max(s) FROM unnest([${wanted.map((s) => literal(s)).join(', ')}]) t(s)`,
      );
      await this.conn.run(`CREATE OR REPLACE VIEW prices AS SELECT * FROM (
          SELECT * REPLACE (TRY_CAST(symbol AS ${SYMBOL_ENUM}) AS symbol) FROM ${readParquet(priceFiles)}
          WHERE symbol BETWEEN ${literal(String(lo))} AND ${literal(String(hi))}${inRange}
        ) WHERE symbol IS NOT NULL`);
    };
    const lineage: TableMetaInput = {
      source: pricesMeta.source,
      synthetic: pricesMeta.synthetic,
      rows: 0,
      symbols: wanted,
    };

    const run: RunKey = {
      list: opts.listName ?? '',
      start: range.start ?? null,
      end: range.end ?? null,
      sql: sqlFingerprint(),
      symbols: wanted,
    };
    const state = readState(this.lake);
    const log = readChangeLog(this.lake.tableDir(TABLE.prices));
    const plan = planRecompute({
      state,
      run,
      changes: state?.prices && log ? changesSince(log, state.prices) : null,
      featureFiles: this.lake.readMeta(TABLE.features)?.files ?? null,
      full: opts.full,
    });
    const nextState = (
      stats: IncrementalState['stats'],
      featureFiles: string[],
      tails: string[] | undefined,
      running: string | undefined,
    ): IncrementalState => ({
      format: 1,
      ...run,
      symbols: [...wanted],
      prices: log?.version ?? null,
      featureFiles,
      stats,
      ...(tails ? { tails } : {}),
      ...(tails && running ? { running } : {}),
    });
    if (plan.kind === 'incremental') {
      if (plan.recompute.length === 0 && plan.removed.length === 0) {
        // Nothing in the run's scope changed: the stored tables stand; the state moves to this prices version.
        const tails = tailPaths(this.lake, state)?.map((p) => basename(p));
        const running = runningPath(this.lake, state);
        writeState(
          this.lake,
          nextState(state!.stats, state!.featureFiles, tails, running ? basename(running) : undefined),
        );
        opts.onPath?.({
          incremental: true,
          summary: 'incremental: no bar of the run changed, nothing recomputed',
        });
        return this.storedBreadth();
      }
      dropState(this.lake);
      const done = await runIncremental({
        lake: this.lake,
        db: this.session(),
        priceFiles,
        inRange,
        recompute: plan.recompute,
        removed: plan.removed,
        breadthFrom: plan.breadthFrom,
        meta: lineage,
        state: state!,
        tails: tailPaths(this.lake, state),
        running: runningPath(this.lake, state),
      });
      const { days, tails, running } = await this.storeBreadth('breadth_result', lineage, done.tails);
      writeState(this.lake, nextState(done.stats, done.featureFiles, tails, running));
      opts.onPath?.({ incremental: true, summary: describeIncremental({ ...done, ...plan }) });
      return days;
    }
    opts.onPath?.({ incremental: false, reason: plan.reason });
    dropState(this.lake);
    await definePrices();

    const windows = await this.windowScan(wanted, priceFiles.length === 1);
    let features: Awaited<ReturnType<Lake['writeTable']>>;
    try {
      features = await this.lake.writeTable(
        TABLE.features,
        async (dir) => ({
          rows: await (windows
            ? windows.run(this.copyToParquet(windows.sql, dir, 'features'))
            : this.copyToParquet(loadSql('features'), dir, 'features')),
        }),
        lineage,
      );
    } finally {
      await windows?.release();
    }
    const featureFiles = this.lake.parquetFiles(TABLE.features) ?? [];
    await this.conn.run(`CREATE OR REPLACE VIEW features AS SELECT * FROM ${readParquet(featureFiles)}`);
    await this.conn.run(`CREATE OR REPLACE TABLE breadth_result AS\n${loadSql('breadth')}\n`);
    await this.conn.run('DROP VIEW features');
    await this.conn.run('DROP VIEW prices');
    await this.conn.run(`DROP TYPE ${SYMBOL_ENUM}`);
    const stats = await tailsOfFeatures(this.session(), readParquet(featureFiles), 'next_tail');
    await this.conn.run(`CREATE OR REPLACE TABLE next_running AS ${runningStateSql('next_tail')}`);
    const { days, tails, running } = await this.storeBreadth('breadth_result', lineage, {
      keep: [],
      table: 'next_tail',
      running: 'next_running',
    });
    writeState(this.lake, nextState(stats, features.files, tails, running));
    return days;
  }

  /**
   * features.sql with its window values from one pass over the bars of the view `prices` (./window-scan-source.ts),
   * or null to run the file as written: when so configured, when features.sql is not shaped for it, or when the
   * bars are not fit for the scan (then the reason is logged). `ordered`: the view reads one file, which fetch
   * writes sorted by symbol and date.
   */
  private async windowScan(symbols: readonly string[], ordered: boolean): Promise<WindowScanQuery | null> {
    if (this.featureWindows === 'sql') return null;
    const outer = featuresOuterSelect(loadSql('features'));
    if (outer === null) return null;
    const bars = await readScanBars(this.conn, 'prices', symbols.length, ordered);
    if (typeof bars === 'string') {
      this.logger.info(`features: DuckDB's window functions compute this run (${bars})`);
      return null;
    }
    return windowScanQuery(this.conn, outer, bars, SYMBOL_ENUM, symbols);
  }

  /**
   * Writes the `breadth` table from the temp table `table` (then dropped), with the next state's tails and running
   * state beside it (their temp tables also dropped); returns its rows by date and the tails' and running state's
   * file names.
   */
  private async storeBreadth(
    table: string,
    lineage: TableMetaInput,
    next: NextTails | null,
  ): Promise<{ days: BreadthDay[]; tails: string[] | undefined; running: string | undefined }> {
    let tails: string[] | undefined;
    let running: string | undefined;
    await this.lake.writeTable(
      TABLE.breadth,
      async (dir) => {
        if (next) {
          for (const f of next.keep) linkIntoStaging(f, dir);
          tails = [...next.keep.map((f) => basename(f)), await writeTail(this.session(), next.table, dir)];
          running = await writeRunning(this.session(), next.running, dir);
        }
        return { rows: await this.copyToParquet(`SELECT * FROM ${table} ORDER BY date`, dir, 'breadth') };
      },
      lineage,
    );
    if (next) {
      await this.conn.run(`DROP TABLE ${next.table}`);
      await this.conn.run(`DROP TABLE ${next.running}`);
    }
    const days = await this.readBreadth(table);
    await this.conn.run(`DROP TABLE ${table}`);
    return { days, tails, running };
  }

  private async storedBreadth(): Promise<BreadthDay[]> {
    return this.readBreadth(readParquet(this.lake.parquetFiles(TABLE.breadth)!));
  }

  /**
   * The breadth rows of `relation` by date. Read by column with the counts as doubles (exact below 2^53): half
   * the cost of row objects holding a BigInt per count, for the ~5,000 days of 20 years.
   */
  private async readBreadth(relation: string): Promise<BreadthDay[]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT CAST(date AS VARCHAR) AS date, COLUMNS(* EXCLUDE (date))::DOUBLE FROM ${relation} ORDER BY date`,
    );
    const columns = reader.getColumnsObjectJS();
    const names = Object.keys(columns);
    const days: BreadthDay[] = [];
    for (let i = 0; i < reader.currentRowCount; i++) {
      const row: Record<string, unknown> = {};
      for (const name of names) row[name] = columns[name]![i];
      days.push(breadthDayFromRow(row));
    }
    return days;
  }

  /** The connection as ./incremental.ts uses it. */
  private session(): SqlSession {
    return {
      run: async (sql) => {
        await this.conn.run(sql);
      },
      rows: async (sql) => (await this.conn.runAndReadAll(sql)).getRowObjectsJS(),
      copy: (query, dir, name) => this.copyToParquet(query, dir, name),
      table: async (name, columns, rows) => {
        await this.conn.run(
          `CREATE OR REPLACE TABLE ${name} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
        );
        const appender = await this.conn.createAppender(name);
        try {
          for (const row of rows) {
            for (const [i, c] of columns.entries()) appendValue(appender, c, row[i] ?? null, name);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      },
    };
  }

  /** `writeRows` for each table in order, under one hold of the lake lock: the set comes from one run. */
  writeTables(writes: readonly TableWrite[]): Promise<TableMeta[]> {
    // Always engine queue first, then lake lock (as every call here), so two calls never wait on each other.
    return this.serial(() =>
      this.lake.withLock(async () => {
        const out: TableMeta[] = [];
        for (const w of writes) {
          out.push(await this.replaceRows(w.table, w.rows, w.columns, w.meta ?? {}, w.appendable));
        }
        return out;
      }),
    );
  }

  /** Replaces a small table (signals, backtest outputs) with `rows`; only the listed columns are stored. */
  async writeRows(
    table: TableName,
    rows: readonly Row[],
    columns: readonly ColumnSpec[],
    meta: Partial<PricesMeta> = {},
  ): Promise<TableMeta> {
    return this.serial(() => this.replaceRows(table, rows, columns, meta));
  }

  private async replaceRows(
    table: TableName,
    rows: readonly Row[],
    columns: readonly ColumnSpec[],
    meta: Partial<PricesMeta>,
    appendable = false,
  ): Promise<TableMeta> {
    checkColumns(table, columns);
    // Appendable: the stored rows stay (hard links) when they are the first of `rows`; only the rest is written,
    // as a file of its own (merged into one past LAKE_DELTA_FILES_MAX).
    const stored = appendable ? this.lake.readMeta(table) : null;
    const digests = appendable
      ? rowsDigests(rows, columns, stored?.rowsDigest !== undefined ? stored.rows : null)
      : null;
    const keep =
      stored && digests?.prefix === stored.rowsDigest && deltaFiles(stored.files) < LAKE_DELTA_FILES_MAX
        ? stored.rows
        : 0;
    const fresh = keep > 0 ? rows.slice(keep) : rows;
    await this.conn.run(
      `CREATE OR REPLACE TABLE rows_in (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
    );
    const appender = await this.conn.createAppender('rows_in');
    try {
      for (const row of fresh) {
        for (const c of columns) appendValue(appender, c, row[c.name] ?? null, table);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const added = columns.some((c) => c.name === 'symbol')
      ? (await this.column('SELECT DISTINCT symbol FROM rows_in WHERE symbol IS NOT NULL')).map(String)
      : [];
    const symbols = keep > 0 ? [...new Set([...stored!.symbols, ...added])] : added;
    const written = await this.lake.writeTable(
      table,
      async (dir) => {
        if (keep === 0) {
          await this.copyToParquet('SELECT * FROM rows_in', dir, table);
          return;
        }
        for (const f of stored!.files) linkIntoStaging(join(this.lake.tableDir(table), f), dir);
        if (fresh.length > 0) {
          await this.copyToParquet(
            'SELECT * FROM rows_in',
            dir,
            `${DELTA_FILE_PREFIX}${randomBytes(4).toString('hex')}`,
          );
        }
      },
      {
        source: meta.source ?? 'bf',
        synthetic: meta.synthetic ?? false,
        rows: rows.length,
        symbols,
        ...(digests ? { rowsDigest: digests.all } : {}),
      },
    );
    await this.conn.run('DROP TABLE rows_in');
    return written;
  }

  /** All rows of a table written by `writeRows` (or any lake table small enough to hold in memory). */
  async readRows(table: TableName): Promise<Row[]> {
    return this.serial(() => this.lake.withReadLock(() => this.selectRows(table)));
  }

  private async selectRows(table: TableName): Promise<Row[]> {
    const files = this.lake.parquetFiles(table);
    if (!files) {
      throw new BfError(`table ${table} does not exist in the lake of workdir ${this.lake.workdir}`, {
        hint: 'run the command that produces it first',
      });
    }
    const described = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readParquet(files)}`);
    const select = described
      .getRowObjectsJS()
      .map((r) => {
        const name = String(r.column_name);
        return String(r.column_type) === 'DATE'
          ? `CAST(${ident(name)} AS VARCHAR) AS ${ident(name)}`
          : ident(name);
      })
      .join(', ');
    const reader = await this.conn.runAndReadAll(`SELECT ${select} FROM ${readParquet(files)}`);
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = toRowValue(v);
      return out;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    this.conn.closeSync();
    this.instance.closeSync();
    rmSync(this.spillDir, { recursive: true, force: true });
  }

  /** Runs calls one at a time: they share the connection's scratch tables and views. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      try {
        return await fn();
      } catch (err) {
        // DuckDB spills what it can; what still does not fit is the user's setting to change, so say which.
        if (
          err instanceof Error &&
          /^Out of Memory Error|could not allocate block of size/.test(err.message)
        ) {
          throw new BfError(`the embedded engine ran out of memory: ${err.message.split('\n')[0]}`, {
            cause: err,
            hint: `raise ${DUCKDB_MEMORY_LIMIT_ENV} (default ${DUCKDB_MEMORY_LIMIT_DEFAULT}); it spills the rest to <workdir>/tmp/duckdb`,
          });
        }
        throw err;
      }
    });
  }

  /** COPY a query to `<dir>/<name>.parquet` (PARQUET_WRITE); returns the rows written. */
  private async copyToParquet(query: string, dir: string, name: string): Promise<number> {
    const path = join(dir, `${name}.parquet`);
    const result = await this.conn.runAndReadAll(
      `COPY (\n${query}\n) TO ${literal(path)} (${PARQUET_WRITE})`,
    );
    return Number(result.getRowsJS()[0]?.[0] ?? 0);
  }

  private async row(sql: string): Promise<unknown[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return (reader.getRowsJS()[0] ?? []).map((v) => (typeof v === 'bigint' ? Number(v) : v));
  }

  private async column(sql: string): Promise<unknown[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowsJS().map((r) => r[0]);
  }
}

/** Renames `from` to `to`, or copies it where they are on different file systems. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** How many of a table's files are delta files (a version's added rows). */
function deltaFiles(files: readonly string[]): number {
  return files.filter((f) => f.startsWith(DELTA_FILE_PREFIX)).length;
}

function appendBar(appender: DuckDBAppender, bar: DailyBar, seq: number): void {
  const days = epochDays(bar.date);
  if (typeof bar.symbol !== 'string' || bar.symbol.length === 0 || days === null) {
    throw new BfError(
      `bad bar #${seq}: symbol ${JSON.stringify(bar.symbol)}, date ${JSON.stringify(bar.date)}`,
      {
        hint: 'bars need a symbol and an ISO YYYY-MM-DD date',
      },
    );
  }
  if (!Number.isFinite(bar.adjClose) || bar.adjClose <= 0) {
    throw new BfError(
      `bad bar ${bar.symbol} ${bar.date}: adjusted close ${bar.adjClose} is not a positive number`,
      {
        hint: 'drop or repair the bar at the source before writing it',
      },
    );
  }
  appender.appendInteger(seq);
  appender.appendVarchar(bar.symbol);
  appender.appendDate(dateValue(days));
  appendNullableDouble(appender, bar.open);
  appendNullableDouble(appender, bar.high);
  appendNullableDouble(appender, bar.low);
  appendNullableDouble(appender, bar.close);
  appender.appendDouble(bar.adjClose);
  appendNullableDouble(appender, bar.volume);
  appender.endRow();
}

function appendNullableDouble(appender: DuckDBAppender, v: number | null): void {
  if (v === null || v === undefined || !Number.isFinite(v)) appender.appendNull();
  else appender.appendDouble(v);
}

function appendValue(appender: DuckDBAppender, col: ColumnSpec, v: RowValue, table: string): void {
  if (v === null) {
    appender.appendNull();
    return;
  }
  const bad = () =>
    new BfError(`writeRows(${table}): column ${col.name} (${col.type}) cannot hold ${JSON.stringify(v)}`);
  switch (col.type) {
    case 'VARCHAR':
      appender.appendVarchar(String(v));
      return;
    case 'DOUBLE':
      if (typeof v !== 'number') throw bad();
      appender.appendDouble(v);
      return;
    case 'BIGINT':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      appender.appendBigInt(BigInt(v));
      return;
    case 'INTEGER':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      appender.appendInteger(v);
      return;
    case 'BOOLEAN':
      if (typeof v !== 'boolean') throw bad();
      appender.appendBoolean(v);
      return;
    case 'DATE': {
      const days = typeof v === 'string' ? epochDays(v) : null;
      if (days === null) throw bad();
      appender.appendDate(dateValue(days));
      return;
    }
  }
}

function toRowValue(v: unknown): RowValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}
