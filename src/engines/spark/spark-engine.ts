import { hostPort, STACK_HOST } from '../../config/stack.ts';
import type { DailyBar } from '../../domain/bar.ts';
import type { BreadthDay } from '../../domain/breadth.ts';
import type { ComposeProject } from '../../infra/compose.ts';
import { serviceLogBlock } from '../../infra/service-logs.ts';
import { composeProjectFor, type StackTarget } from '../../infra/stack.ts';
import { commitVersion, parseCommit } from '../../lake/browse/delta-log.ts';
import {
  CHANGES_FILE,
  changesOf,
  deltaVersionId,
  nextDeltaChangeLog,
  parseChangeLog,
  type SymbolChanges,
} from '../../lake/changes.ts';
import type { TableMeta, TableName } from '../../lake/index.ts';
import { joinSources, pricesLineage } from '../../lake/lineage.ts';
import { S3Lake, type S3LakeConfig, s3LakeConfig } from '../../lake/s3.ts';
import { BfError, UsageError } from '../../util/errors.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { SerialQueue } from '../../util/serial-queue.ts';
import {
  type BreadthOptions,
  breadthDayFromRow,
  type ColumnSpec,
  checkColumns,
  type DateBounds,
  type LakeEngine,
  type PricesMeta,
  type PricesWrite,
  type PricesWritten,
  type Row,
  type RowValue,
  type TableWrite,
  type VanishedBars,
} from '../engine.ts';
import {
  appendsTails,
  describeIncremental,
  type IncrementalState,
  nextStats,
  type Plan,
  planRecompute,
  type Recompute,
  type RunKey,
} from '../incremental-plan.ts';
import { featuresOuterSelect, sqlFingerprint, statsFromRows } from '../incremental-sql.ts';
import { loadSql } from '../sql-files.ts';
import { DEFAULT_SPARK_SETTINGS, type SparkSettings } from './spark-config.ts';
import {
  type DeltaCommit,
  RECOMPUTE_COLUMNS,
  type SparkJobOutcome,
  type SparkJobRequest,
  type SparkOp,
  type SparkOpResult,
  type SparkRunner,
  TAILS_TABLE,
  thriftRunner,
} from './sql-runner.ts';
import {
  barsToNdjson,
  dedupeBars,
  newRunId,
  orphanedStaging,
  rowsToNdjson,
  STAGING_ORPHAN_MS,
  STAGING_PREFIX,
} from './staging.ts';
import { untilStoreServes } from './store-ready.ts';

/** Table metadata kept next to each Delta table (underscore-prefixed: Delta and VACUUM ignore it). */
export const META_OBJECT = '_bf_meta.json';
/**
 * The incremental state (IncrementalState) beside the breadth table, as the embedded engine keeps it: removed
 * before a run writes features, written back last.
 */
export const STATE_OBJECT = '_incremental.json';
/** How long each request of the store probe after a failed job may take (it answers in milliseconds when up). */
const STORE_PROBE_MS = 10_000;

export { STAGING_PREFIX } from './staging.ts';

export interface SparkEngineOptions {
  /** The stack (project name, compose files, local images); ignored when `compose` or `submit` is given. */
  stack?: StackTarget;
  compose?: ComposeProject;
  /** How jobs run; default SQL over HiveServer2 to the stack's Spark Thrift Server (service spark-sql). */
  runner?: SparkRunner;
  /** Default from the stack facts and env: s3LakeConfig(). */
  s3?: S3LakeConfig;
  settings?: SparkSettings;
  logger?: Logger;
  /** Service names for the logs attached to errors; default all service logs are read through `compose`. */
  serviceLogs?: (service: string, lines: number) => Promise<string[]>;
}

/** A Spark job that failed: names the stage, the service and carries the driver's log tail. */
export class SparkJobError extends BfError {
  readonly stage: string;
  readonly outcome: SparkJobOutcome;
  /** `storeLog`: the S3 store's log block, when the failure looks like the store's. */
  constructor(stage: string, service: string, outcome: SparkJobOutcome, storeLog?: string) {
    const what = outcome.error
      ? `${outcome.error.op} failed: ${outcome.error.error}: ${firstLine(outcome.error.message)}`
      : `job ended with status ${outcome.exitCode}`;
    super(
      `spark engine: ${stage}: Spark job on ${service} failed after ${(outcome.durationMs / 1000).toFixed(1)} s: ${what}\n${serviceLogBlock(service, outcome.stderrTail)}${storeLog ? `\n${storeLog}` : ''}`,
      {
        hint: `see the driver log above; the lake keeps its previous Delta version. Inspect with: bf infra logs --service ${service}`,
      },
    );
    this.name = 'SparkJobError';
    this.stage = stage;
    this.outcome = outcome;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/**
 * The Spark engine: the lake is a set of Delta tables on the stack's S3 store, and every computation is Spark SQL
 * sent to the stack's long-lived driver (the Spark Thrift Server, service spark-sql, an application on the
 * standalone cluster): no JVM start per job. Inputs are staged in S3 by this process as NDJSON; results come back
 * over the HiveServer2 protocol. The SQL of features and breadth is the shared sql/*.sql, as on the embedded engine.
 */
export class SparkEngine implements LakeEngine {
  readonly name = 'spark';
  readonly s3: S3Lake;
  private readonly runner: SparkRunner;
  private readonly logger: Logger;
  private readonly service: string;
  private readonly serviceLogs: ((service: string, lines: number) => Promise<string[]>) | undefined;
  private readonly queue = new SerialQueue();
  /** Whether this engine has swept the staging area (after its first successful job). */
  private swept = false;
  /** Times of the jobs run so far, for benchmarks and logs. */
  readonly jobTimes: { stage: string; ms: number; ops: { op: string; ms: number }[] }[] = [];

  private constructor(
    s3: S3Lake,
    runner: SparkRunner,
    logger: Logger,
    service: string,
    serviceLogs: SparkEngine['serviceLogs'],
  ) {
    this.s3 = s3;
    this.runner = runner;
    this.logger = logger;
    this.service = service;
    this.serviceLogs = serviceLogs;
  }

  /** Connects to the lake bucket (fails fast with S3StoreError when the store is down or the bucket missing). */
  static async open(opts: SparkEngineOptions = {}): Promise<SparkEngine> {
    const logger = opts.logger ?? silentLogger;
    const settings = opts.settings ?? DEFAULT_SPARK_SETTINGS;
    const compose = opts.runner ? opts.compose : (opts.compose ?? composeProjectFor(opts.stack ?? {}));
    const env = compose?.env ?? opts.stack?.env;
    const config = opts.s3 ?? s3LakeConfig(env);
    const s3 = new S3Lake(config);
    const serviceLogs =
      opts.serviceLogs ?? (compose ? (service: string, n: number) => compose.logs(service, n) : undefined);
    const runner =
      opts.runner ??
      thriftRunner({
        port: hostPort(settings.service, 'thrift', env),
        tableExists: async (path) => (await s3.list(`${s3KeyOf(s3, path)}/_delta_log/`)).length > 0,
        latestCommit: (path) => latestCommit(s3, path),
        driverLog: serviceLogs ? (n) => serviceLogs(settings.service, n) : undefined,
        connectWaitMs: settings.connectWaitMs,
        progress: {
          url: `http://${STACK_HOST}:${hostPort(settings.service, 'ui', env)}`,
          intervalMs: settings.progressIntervalMs,
        },
        logger,
      });
    try {
      // Not only the bucket: a store just started answers it long before it serves the lake's files.
      await untilStoreServes(s3, {
        logger,
        probeMs: STORE_PROBE_MS,
        running: compose
          ? async () => (await compose.containers()).some((c) => c.service === 's3' && c.state === 'running')
          : undefined,
      });
    } catch (e) {
      s3.close();
      await runner.close?.();
      throw await withServiceLog(e, 's3', serviceLogs);
    }
    return new SparkEngine(s3, runner, logger, settings.service, serviceLogs);
  }

  /** Where the lake lives, for messages. */
  get location(): string {
    return this.s3.s3aUrl(this.s3.config.prefix);
  }

  async readMeta(table: TableName): Promise<TableMeta | null> {
    const text = await this.s3.getText(`${this.s3.tableKey(table)}/${META_OBJECT}`);
    return text === null ? null : (JSON.parse(text) as TableMeta);
  }

  /**
   * Merges bars into the Delta table `prices`, keyed by (symbol, date). When every bar is already there with the
   * same values nothing is committed (the Delta version stays); the lineage is recorded either way. Bars of the
   * fetched symbols within the range that the fetch lacks are kept, or deleted in the same commit with `replace`.
   */
  writePrices(bars: readonly DailyBar[], given: PricesWrite): Promise<PricesWritten> {
    return this.serial(async () => {
      const existing = await this.readMeta('prices');
      const none = { replaced: 0, added: 0, vanished: [], dropped: false };
      if (bars.length === 0)
        return { rows: existing?.rows ?? 0, symbols: existing?.symbols.length ?? 0, ...none };
      const unique = dedupeBars(bars);
      const write = {
        ...given,
        range: given.range ?? barsSpan(unique),
        fetchedAt: given.fetchedAt ?? new Date().toISOString(),
      };
      const runId = newRunId();
      const key = `${STAGING_PREFIX}/${runId}/bars.ndjson`;
      // NDJSON with an explicit schema on the Spark side: no native Parquet writer needed here, so the engine
      // also runs from the bundled Action (no node_modules). Doubles round-trip exactly (shortest repr).
      const text = barsToNdjson(unique);
      await this.staged('merge-prices', () => this.s3.putText(key, text, 'application/x-ndjson'));
      const fetched = [...new Set(unique.map((b) => b.symbol))].sort();
      try {
        const [r] = await this.run('merge-prices', [
          {
            op: 'merge-prices',
            input: this.s3.s3aUrl(key),
            symbols: fetched,
            start: write.range.start,
            end: write.range.end,
            replace: Boolean(write.replace),
          },
        ]);
        const out = r as SparkOpResult & {
          rows: number;
          symbols: string[];
          changed: number;
          replaced: number;
          added: number;
          vanished: VanishedBars[];
          version: number;
          /** The Delta version merged into (null: the table was created) and, per symbol, its first changed bar. */
          parent: number | null;
          firstChanged: Record<string, string>;
        };
        if (out.version !== out.parent) {
          await this.writeChangeLog(
            out.parent,
            out.version,
            mergeChanges(out.firstChanged, out.vanished, write),
          );
        }
        await this.writeMeta('prices', {
          source: joinSources([existing?.source ?? '', write.source]),
          synthetic: (existing?.synthetic ?? false) || write.synthetic,
          rows: out.rows,
          symbols: out.symbols,
          files: [`delta version ${out.version}`],
          lineage: pricesLineage(existing, fetched, write, out.vanished),
        });
        if (out.changed > 0 || !existing) {
          this.logger.info(
            `prices: merged ${out.changed} new/changed of ${unique.length} bars; ${out.rows} rows, ${out.symbols.length} symbols (Delta version ${out.version})`,
          );
        } else {
          this.logger.info(`prices: ${unique.length} bars already in the lake, nothing committed`);
        }
        return {
          rows: out.rows,
          symbols: out.symbols.length,
          replaced: out.replaced,
          added: out.added,
          vanished: out.vanished,
          dropped: Boolean(write.replace) && out.vanished.length > 0,
        };
      } finally {
        await this.s3.deletePrefix(`${STAGING_PREFIX}/${runId}/`).catch(() => 0);
      }
    });
  }

  /**
   * Runs sql/features.sql then sql/breadth.sql on the cluster, stores both Delta tables, returns breadth by date.
   * Recomputes only what changed since the stored run of the same list and range when it can (the embedded
   * engine's rule, ../incremental-plan.ts, with the same SQL, ../incremental-sql.ts), with the same result.
   */
  computeBreadth(
    symbols?: readonly string[],
    range: DateBounds = {},
    opts: BreadthOptions = {},
  ): Promise<BreadthDay[]> {
    return this.serial(async () => {
      const pricesMeta = await this.readMeta('prices');
      if (!pricesMeta || pricesMeta.rows === 0) {
        throw new BfError(`no prices in the lake at ${this.location}`, {
          hint: 'run `bf data fetch --engine spark` first',
        });
      }
      let wanted: string[];
      if (symbols === undefined) wanted = pricesMeta.symbols;
      else {
        wanted = [...new Set(symbols)].sort();
        if (wanted.length === 0) throw new UsageError('the symbol list is empty', 'give at least one symbol');
        const present = new Set(pricesMeta.symbols);
        const absent = wanted.filter((s) => !present.has(s));
        if (absent.length > 0) {
          throw new BfError(
            `${absent.length} of ${wanted.length} symbols have no prices in the lake at ${this.location}: ${absent.join(', ')}`,
            { hint: 'run `bf data fetch` for them first, or remove them from the list' },
          );
        }
      }
      const lineage = { source: pricesMeta.source, synthetic: pricesMeta.synthetic, symbols: wanted };
      const scope = {
        symbols: symbols === undefined ? null : wanted,
        start: range.start ?? null,
        end: range.end ?? null,
      };
      const run: RunKey = {
        list: opts.listName ?? '',
        start: scope.start,
        end: scope.end,
        sql: sqlFingerprint(),
        symbols: wanted,
      };
      // The prices version read: the table's latest Delta commit, whatever its metadata object says.
      const pricesCommit = await latestCommit(this.s3, this.s3.s3aUrl(this.s3.tableKey('prices')));
      if (!pricesCommit) throw new BfError(`no Delta table prices at ${this.location}`);
      const pricesVersion = deltaVersionId(pricesCommit.version);
      const state = await this.readState();
      const log = parseChangeLog(await this.s3.getText(this.changeLogKey()));
      let plan = planRecompute({
        state,
        run,
        changes: changesOf(log, state?.prices ?? null, pricesVersion),
        featureFiles: (await this.readMeta('features'))?.files ?? null,
        full: opts.full,
      });
      if (plan.kind === 'incremental' && !(await this.tailsCurrent(state!))) {
        plan = { kind: 'full', reason: 'the stored tails are not the ones the stored state describes' };
      }
      const nextState = (
        stats: IncrementalState['stats'],
        featureFiles: string[],
        tails: string[],
      ): IncrementalState => ({
        format: 1,
        ...run,
        symbols: [...wanted],
        prices: pricesVersion,
        featureFiles,
        stats,
        tails,
      });
      if (plan.kind === 'incremental') {
        if (plan.recompute.length === 0 && plan.removed.length === 0) {
          // Nothing in the run's scope changed: the stored tables stand; the state moves to this prices version.
          await this.writeState(nextState(state!.stats, state!.featureFiles, state!.tails ?? []));
          opts.onPath?.({
            incremental: true,
            summary: 'incremental: no bar of the run changed, nothing recomputed',
          });
          const [r] = await this.run('breadth', [{ op: 'read-rows', table: 'breadth' }]);
          const rows = (r as SparkOpResult & { rows: Record<string, unknown>[] }).rows;
          return rows.map(breadthDayFromRow).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
        }
        return this.incremental(plan, state!, scope, lineage, nextState, opts);
      }
      opts.onPath?.({ incremental: false, reason: plan.reason });
      await this.dropState();
      const [r] = await this.run('breadth', [{ op: 'breadth', ...scope }]);
      const out = r as SparkOpResult & {
        rows: Record<string, unknown>[];
        features: { rows: number; version: number };
        breadth: { rows: number; version: number };
        tails: { version: number };
        stats: Record<string, unknown>[];
      };
      const features = await this.writeMeta('features', {
        ...lineage,
        rows: out.features.rows,
        files: [`delta version ${out.features.version}`],
      });
      await this.writeMeta('breadth', {
        ...lineage,
        rows: out.breadth.rows,
        files: [`delta version ${out.breadth.version}`],
      });
      await this.writeState(
        nextState(statsFromRows(out.stats), features.files, [`delta version ${out.tails.version}`]),
      );
      return out.rows.map(breadthDayFromRow);
    });
  }

  /** The incremental path of computeBreadth: one job on the driver, then the tables' metadata and the state. */
  private async incremental(
    plan: Extract<Plan, { kind: 'incremental' }>,
    state: IncrementalState,
    scope: { symbols: string[] | null; start: string | null; end: string | null },
    lineage: { source: string; synthetic: boolean; symbols: string[] },
    nextState: (
      stats: IncrementalState['stats'],
      featureFiles: string[],
      tails: string[],
    ) => IncrementalState,
    opts: BreadthOptions,
  ): Promise<BreadthDay[]> {
    const fastSelect = featuresOuterSelect(loadSql('features'));
    // New days after a symbol's stored bars: the window values of the new bars only (newBarWindowsSql).
    const isFast = (x: Recompute) => fastSelect !== null && x.append && x.tailStart !== null;
    const fast = plan.recompute.filter(isFast);
    const slow = plan.recompute.filter((x) => !isFast(x));
    const storedTails = state.tails ?? [];
    const append = appendsTails({
      stored: storedTails.length,
      fast: fast.length,
      slow: slow.length,
      removed: plan.removed.length,
    });
    const replaces = plan.removed.length > 0 || plan.recompute.some((x) => !x.append);
    const runId = newRunId();
    const key = `${STAGING_PREFIX}/${runId}/recompute.ndjson`;
    const text = rowsToNdjson(
      'features',
      plan.recompute.map((x) => ({
        symbol: x.symbol,
        keep_from: x.keepFrom,
        fast: isFast(x),
        bars: state.stats[x.symbol]?.bars ?? 0,
      })),
      RECOMPUTE_COLUMNS,
    );
    // Before features change: a run interrupted from here on leaves no state, so the next one recomputes in full.
    await this.dropState();
    try {
      await this.staged('breadth', () => this.s3.putText(key, text, 'application/x-ndjson'));
      const [r] = await this.run('breadth', [
        {
          op: 'breadth-incremental',
          ...scope,
          recompute: this.s3.s3aUrl(key),
          removed: plan.removed,
          fastSelect: fast.length > 0 ? fastSelect : null,
          firstNew: fast.map((x) => x.keepFrom).sort()[0] ?? null,
          slow: slow.length > 0 || fast.length === 0,
          replaces,
          breadthFrom: plan.breadthFrom,
          tails: append ? 'append' : 'rewrite',
          storedLast: Object.values(state.stats).reduce<string | null>(
            (m, st) => (m === null || st.last > m ? st.last : m),
            null,
          ),
        },
      ]);
      const out = r as SparkOpResult & {
        rows: Record<string, unknown>[];
        stats: Record<string, unknown>[];
        windowsState: Record<string, unknown>[];
        newRows: number;
        reaggregatedFrom: string | null;
        reaggregatedDays: number;
        newDays: number;
        features: { rows: number; version: number };
        breadth: { rows: number; version: number };
        tails: { version: number; written: 'appended' | 'rewritten' | 'kept' };
      };
      const recomputed = statsFromRows(out.stats);
      for (const w of out.windowsState) {
        const symbol = String(w.symbol);
        recomputed[symbol] = {
          bars: Number(w.bars),
          first: state.stats[symbol]!.first,
          last: String(w.last),
          tailStart: String(w.tail_start),
        };
      }
      const stats = nextStats(state, plan.recompute, plan.removed, recomputed, isFast);
      const featuresRows = replaces
        ? out.features.rows
        : ((await this.readMeta('features'))?.rows ?? 0) + out.newRows;
      const features = await this.writeMeta('features', {
        ...lineage,
        rows: featuresRows,
        files: [`delta version ${out.features.version}`],
      });
      await this.writeMeta('breadth', {
        ...lineage,
        rows: out.breadth.rows,
        files: [`delta version ${out.breadth.version}`],
      });
      const tailVersion = `delta version ${out.tails.version}`;
      const tails =
        out.tails.written === 'rewritten'
          ? [tailVersion]
          : out.tails.written === 'appended'
            ? [...storedTails, tailVersion]
            : storedTails;
      await this.writeState(nextState(stats, features.files, tails));
      opts.onPath?.({ incremental: true, summary: describeIncremental({ ...out, ...plan }) });
      return out.rows.map(breadthDayFromRow);
    } finally {
      await this.s3.deletePrefix(`${STAGING_PREFIX}/${runId}/`).catch(() => 0);
    }
  }

  /** The stored incremental state, or null (no breadth table, none stored, unreadable: a full run then). */
  private async readState(): Promise<IncrementalState | null> {
    if (!(await this.readMeta('breadth'))) return null;
    const text = await this.s3.getText(`${this.s3.tableKey('breadth')}/${STATE_OBJECT}`);
    if (text === null) return null;
    try {
      const state = JSON.parse(text) as IncrementalState;
      return state.format === 1 ? state : null;
    } catch {
      // Unreadable state costs one full recompute, nothing else.
      return null;
    }
  }

  private async dropState(): Promise<void> {
    await this.s3.deletePrefix(`${this.s3.tableKey('breadth')}/${STATE_OBJECT}`);
  }

  /** Written last, after features, breadth and the tails: one object, seen whole or not at all. */
  private async writeState(state: IncrementalState): Promise<void> {
    await this.s3.putText(`${this.s3.tableKey('breadth')}/${STATE_OBJECT}`, `${JSON.stringify(state)}\n`);
  }

  /** Whether the tails table is at the version the state's last piece names (nothing wrote it since). */
  private async tailsCurrent(state: IncrementalState): Promise<boolean> {
    const last = state.tails?.at(-1);
    if (!last) return false;
    const c = await latestCommit(this.s3, this.s3.s3aUrl(`${this.s3.config.prefix}/${TAILS_TABLE}`));
    return c !== null && last === `delta version ${c.version}`;
  }

  /** Replaces a small Delta table with `rows` in one overwrite commit; only the listed columns are stored. */
  async writeRows(
    table: TableName,
    rows: readonly Row[],
    columns: readonly ColumnSpec[],
    meta: Partial<PricesMeta> = {},
  ): Promise<TableMeta> {
    const [written] = await this.writeTables([{ table, rows, columns, meta }]);
    return written as TableMeta;
  }

  /**
   * Several `writeRows` in ONE job on the long-lived driver. Each table is its own atomic Delta commit; the tables'
   * statements run concurrently, so when one fails the others may have committed (each whole); the error names the
   * first failing table in order, and no table's metadata is written.
   */
  writeTables(writes: readonly TableWrite[]): Promise<TableMeta[]> {
    return this.serial(() => this.replaceTables(writes));
  }

  /** @internal writeRows with a per-row delay inside the Spark write (fault tests kill the job mid-write). */
  writeRowsSlowly(table: TableName, rows: readonly Row[], columns: readonly ColumnSpec[], delayMs: number) {
    return this.serial(() => this.replaceTables([{ table, rows, columns }], delayMs));
  }

  private async replaceTables(writes: readonly TableWrite[], delayMs?: number): Promise<TableMeta[]> {
    if (writes.length === 0) return [];
    for (const w of writes) checkColumns(w.table, w.columns);
    const runId = newRunId();
    const stage = `write ${writes.map((w) => w.table).join('+')}`;
    const ops: SparkOp[] = [];
    try {
      for (const w of writes) {
        const text = rowsToNdjson(w.table, w.rows, w.columns);
        const key = `${STAGING_PREFIX}/${runId}/${w.table}.ndjson`;
        if (text) await this.staged(stage, () => this.s3.putText(key, text, 'application/x-ndjson'));
        ops.push({
          op: 'write-rows',
          table: w.table,
          input: text ? this.s3.s3aUrl(key) : null,
          columns: w.columns,
          ...(delayMs ? { delayMs } : {}),
        });
      }
      const results = await this.run(stage, ops);
      const metas: TableMeta[] = [];
      for (const [i, w] of writes.entries()) {
        const out = results[i] as SparkOpResult & { rows: number; symbols: string[]; version: number };
        metas.push(
          await this.writeMeta(w.table, {
            source: w.meta?.source ?? 'bf',
            synthetic: w.meta?.synthetic ?? false,
            rows: out.rows,
            symbols: out.symbols,
            files: [`delta version ${out.version}`],
          }),
        );
      }
      return metas;
    } finally {
      await this.s3.deletePrefix(`${STAGING_PREFIX}/${runId}/`).catch(() => 0);
    }
  }

  /** Every row of a Delta table (DATE columns as ISO strings, integers as numbers). */
  async readRows(table: TableName): Promise<Row[]> {
    const [rows] = await this.readTables([table]);
    return rows as Row[];
  }

  /** Several tables read in ONE Spark job. */
  readTables(tables: readonly TableName[]): Promise<Row[][]> {
    return this.serial(async () => {
      const results = await this.run(
        `read ${tables.join('+')}`,
        tables.map((table) => ({ op: 'read-rows', table })),
      );
      return tables.map((table, i) => {
        const out = results[i] as SparkOpResult & { exists: boolean; rows: Record<string, unknown>[] };
        if (!out.exists) {
          throw new BfError(`table ${table} does not exist in the lake at ${this.location}`, {
            hint: 'run the command that produces it first',
          });
        }
        return out.rows.map(toRow);
      });
    });
  }

  /** Runs a statement expected to fail, as a job (fault tests and `bf infra` diagnostics). */
  runFailingSql(sql: string): Promise<SparkOpResult[]> {
    return this.serial(() => this.run('sql', [{ op: 'fail', sql }]));
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.runner.close?.();
    this.s3.close();
  }

  /** Submits one job; a failure becomes SparkJobError with the driver's log tail (and the S3 log when relevant). */
  private async run(stage: string, ops: SparkOp[]): Promise<SparkOpResult[]> {
    const request: SparkJobRequest = {
      appName: `bf-${stage.replace(/[\s+]+/g, '-')}-${newRunId()}`,
      lake: this.s3.s3aUrl(this.s3.config.prefix),
      ops,
    };
    this.logger.info(`spark: ${stage}: running ${request.appName}`);
    const outcome = await this.runner(request);
    this.jobTimes.push({
      stage,
      ms: outcome.durationMs,
      ops: outcome.results.map((r) => ({ op: r.op, ms: r.ms })),
    });
    if (outcome.exitCode !== 0 || outcome.results.length !== ops.length) {
      // A job fails the same way whether its SQL or the lake's store broke: ask the store, so a store that went
      // away mid-job is named (with its log) instead of only the driver that reported it. Ask it to serve an
      // object, not only the bucket: a store just restarted answers the bucket before it can read its files.
      const storeDown = await this.s3.checkServes(STORE_PROBE_MS).then(
        () => undefined,
        (e: unknown) => (e instanceof BfError ? e : undefined),
      );
      const s3Related =
        storeDown !== undefined ||
        outcome.stderrTail.some((l) => /s3a|S3A|AmazonS3|SdkClientException|Connect/i.test(l));
      const storeLog =
        s3Related && this.serviceLogs
          ? await this.serviceLogs('s3', 10)
              .then((l) => (l.length ? serviceLogBlock('s3', l) : undefined))
              .catch(() => undefined)
          : undefined;
      const failed = new SparkJobError(stage, this.service, outcome, storeLog);
      if (!storeDown) throw failed;
      throw new BfError(`spark engine: ${stage}: ${storeDown.message}\n  what failed: ${failed.message}`, {
        cause: failed,
        hint: `the S3 store stopped serving during the job; Delta commits are atomic, so the lake keeps its previous version (\`bf lake verify --engine spark\`). Bring the store back (\`bf infra start\` waits until it serves an object) and run the same command again`,
      });
    }
    this.logger.info(`spark: ${stage}: done in ${(outcome.durationMs / 1000).toFixed(1)} s`);
    if (!this.swept) {
      this.swept = true;
      await this.sweepStaging();
    }
    return outcome.results;
  }

  /**
   * Deletes the staged inputs that failed jobs left (their job could not delete them: the store was down), once
   * per engine, after its first successful job (the store serves again). Best effort: a failure only warns.
   */
  private async sweepStaging(): Promise<void> {
    try {
      const left = orphanedStaging(await this.s3.list(`${STAGING_PREFIX}/`), Date.now());
      if (left.length === 0) return;
      const runs = [...new Set(left.map((k) => k.split('/').slice(0, 2).join('/')))];
      for (const run of runs) await this.s3.deletePrefix(`${run}/`);
      this.logger.info(
        `spark: removed ${left.length} staged input object(s) older than ${STAGING_ORPHAN_MS / 60_000} min left by failed jobs: ${runs.join(', ')}`,
      );
    } catch (e) {
      this.logger.warn(`spark: could not remove staged inputs left by failed jobs: ${(e as Error).message}`);
    }
  }

  private async staged<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw await withServiceLog(e, 's3', this.serviceLogs, `spark engine: ${stage}: staging input`);
    }
  }

  /** The prices change log's key on the store: written by the MERGE, read by the incremental plan. */
  private changeLogKey(): string {
    return `${this.s3.tableKey('prices')}/${CHANGES_FILE}`;
  }

  /**
   * Records what the commit `version` (made from `parent`, null for a new table) changed, per symbol, beside the
   * prices table (src/lake/changes.ts), as the embedded engine does in its lake; read by computeBreadth.
   */
  private async writeChangeLog(
    parent: number | null,
    version: number,
    changes: SymbolChanges,
  ): Promise<void> {
    const key = this.changeLogKey();
    const previous = parent === null ? null : parseChangeLog(await this.s3.getText(key));
    const log = nextDeltaChangeLog(parent === null ? null : previous, parent === null ? {} : changes, {
      parent: parent === null ? null : deltaVersionId(parent),
      version: deltaVersionId(version),
    });
    await this.s3.putText(key, `${JSON.stringify(log)}\n`);
  }

  private async writeMeta(table: TableName, m: Omit<TableMeta, 'table' | 'writtenAt'>): Promise<TableMeta> {
    const full: TableMeta = { table, ...m, writtenAt: new Date().toISOString() };
    await this.s3.putText(`${this.s3.tableKey(table)}/${META_OBJECT}`, `${JSON.stringify(full, null, 2)}\n`);
    return full;
  }

  /** One job at a time: jobs share the staging area and the Delta log of the tables they touch. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }
}

/** Adds the service's last log lines to an error (S3 down, bucket missing), keeping BfError's hint. */
async function withServiceLog(
  e: unknown,
  service: string,
  logs: ((service: string, n: number) => Promise<string[]>) | undefined,
  prefix?: string,
): Promise<unknown> {
  if (!(e instanceof BfError)) return e;
  const lines = logs ? await logs(service, 10).catch(() => [] as string[]) : [];
  const message = `${prefix ? `${prefix}: ` : ''}${e.message}${lines.length ? `\n${serviceLogBlock(service, lines)}` : ''}`;
  return new BfError(message, { hint: e.hint, cause: e, exitCode: e.exitCode });
}

/**
 * Version and operation metrics of a Delta table's latest commit: the highest-numbered JSON commit of its
 * `_delta_log` and that commit's commitInfo (what DESCRIBE HISTORY … LIMIT 1 reads, here without a statement on
 * the driver). Null when the log has no commit.
 */
async function latestCommit(s3: S3Lake, path: string): Promise<DeltaCommit | null> {
  const log = `${s3KeyOf(s3, path)}/_delta_log/`;
  let latest: { key: string; version: number } | undefined;
  for (const key of await s3.list(log)) {
    const version = commitVersion(key);
    if (version !== null && (!latest || version > latest.version)) latest = { key, version };
  }
  if (!latest) return null;
  const text = await s3.getText(latest.key);
  if (text === null) throw new BfError(`Delta commit ${latest.key} vanished while it was read`);
  const info = parseCommit(latest.version, text).find((a) => a.commitInfo)?.commitInfo;
  const metrics = Object.fromEntries(
    Object.entries(info?.operationMetrics ?? {}).map(([k, v]) => [k, String(v)]),
  );
  return { version: latest.version, metrics };
}

/** The S3 key of an s3a:// URL of the lake's bucket. */
function s3KeyOf(s3: S3Lake, url: string): string {
  const root = s3.s3aUrl('');
  if (!url.startsWith(root)) throw new BfError(`not a path of the lake's bucket: ${url}`);
  return url.slice(root.length).replace(/^\/+/, '');
}

/**
 * A merge's changes per symbol: the earliest bar it added or replaced, or (with `replace`) dropped, the earliest
 * of them (the embedded engine's rule, src/engines/duckdb/duckdb-engine.ts writePrices).
 */
export function mergeChanges(
  firstChanged: Readonly<Record<string, string>>,
  vanished: readonly VanishedBars[],
  write: PricesWrite,
): SymbolChanges {
  const changes: SymbolChanges = { ...firstChanged };
  if (write.replace) {
    for (const v of vanished) {
      const seen = changes[v.symbol];
      if (seen === undefined || v.first < seen) changes[v.symbol] = v.first;
    }
  }
  return changes;
}

/** First and last date of some bars. */
function barsSpan(bars: readonly DailyBar[]): { start: string; end: string } {
  let start = bars[0]!.date;
  let end = start;
  for (const b of bars) {
    if (b.date < start) start = b.date;
    if (b.date > end) end = b.date;
  }
  return { start, end };
}

function toRowValue(v: unknown): RowValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

function toRow(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) out[k] = toRowValue(v);
  return out;
}
