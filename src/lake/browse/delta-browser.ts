import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROBE_PREFIX } from '../../config/stack.ts';
import { META_OBJECT } from '../../engines/spark/spark-engine.ts';
import { STAGING_PREFIX } from '../../engines/spark/staging.ts';
import { BfError } from '../../util/errors.ts';
import type { TableMeta } from '../lake.ts';
import { S3Lake, s3LakeConfig } from '../s3.ts';
import { TABLE, TABLE_NAMES, type TableName } from '../tables.ts';
import { checkTable, errorLine, tableMissing } from './checks.ts';
import {
  type Action,
  type CheckpointBase,
  chooseCheckpoint,
  commitVersion,
  type DeltaFile,
  DeltaLogError,
  type DeltaSnapshot,
  duckdbType,
  replay,
  snapshotRows,
  statsRange,
} from './delta-log.ts';
import { s3Leftovers } from './leftovers.ts';
import { ParquetFiles, selectRows } from './parquet-files.ts';
import type {
  ColumnInfo,
  HistoryEntry,
  LakeBrowser,
  ShowOptions,
  ShowResult,
  TableCheck,
  TableSummary,
  VerifyReport,
} from './types.ts';

interface LoadedTable {
  snapshot: DeltaSnapshot;
  /** Every object under the table's prefix, key → size. */
  objects: Map<string, number>;
  meta: TableMeta | null;
}

/**
 * The Spark engine's Delta lake on the S3 store, read from Node without Spark: the `_delta_log` JSON commits give
 * the versions, files, row counts (file stats) and schema; data files are downloaded to a temporary directory and
 * read with DuckDB's Parquet reader when rows are needed (`show`, `verify`). Delta never rewrites a committed file,
 * so a snapshot stays readable while Spark commits newer versions.
 */
export class DeltaLakeBrowser implements LakeBrowser {
  readonly engine = 'spark' as const;
  readonly location: string;
  private readonly s3: S3Lake;
  private readonly present: TableName[];
  private readonly pq: ParquetFiles;
  private readonly scratch: string;
  private readonly loaded = new Map<TableName, Promise<LoadedTable>>();

  private constructor(s3: S3Lake, present: TableName[], pq: ParquetFiles) {
    this.s3 = s3;
    this.present = present;
    this.pq = pq;
    this.location = `s3://${s3.config.bucket}/${s3.config.prefix}`;
    this.scratch = mkdtempSync(join(tmpdir(), 'bf-lake-'));
  }

  static async open(env: NodeJS.ProcessEnv = process.env): Promise<DeltaLakeBrowser> {
    const s3 = new S3Lake(s3LakeConfig(env));
    try {
      await s3.checkBucket();
      const keys = await s3.list(`${s3.config.prefix}/`);
      const present = TABLE_NAMES.filter((t) =>
        keys.some((k) => k.startsWith(`${s3.tableKey(t)}/_delta_log/`)),
      );
      if (present.length === 0) {
        throw new BfError(
          `there is no lake at s3://${s3.config.bucket}/${s3.config.prefix} (no Delta tables)`,
          {
            hint: '`bf pipeline run --engine spark` (or `bf data fetch --engine spark`) creates it',
          },
        );
      }
      return new DeltaLakeBrowser(s3, present, await ParquetFiles.open());
    } catch (e) {
      s3.close();
      throw e;
    }
  }

  async list(): Promise<TableSummary[]> {
    const out: TableSummary[] = [];
    for (const table of this.present) {
      const { snapshot, meta } = await this.load(table);
      const last = snapshot.history.at(-1);
      const s: TableSummary = {
        table,
        rows: snapshotRows(snapshot) ?? meta?.rows ?? 0,
        files: snapshot.files.length,
        bytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
        lastWrite: last?.timestamp ?? meta?.writtenAt ?? null,
        source: meta?.source ?? null,
        synthetic: meta?.synthetic ?? null,
        version: snapshot.version,
      };
      if (table === TABLE.prices) {
        s.symbols = meta?.symbols ?? [];
        // From the files' min/max stats: no data is downloaded for `ls`.
        s.dateRange = statsRange(snapshot.files, 'date');
      }
      out.push(s);
    }
    return out;
  }

  async show(table: TableName, opts: ShowOptions): Promise<ShowResult> {
    const { snapshot } = await this.load(table);
    refuseDeletionVectors(table, snapshot.files);
    // Without a filter only as many files as the first `limit` rows need (by their stats) are downloaded.
    let files = snapshot.files;
    if (opts.where === undefined && files.every((f) => f.numRecords !== null)) {
      const needed: DeltaFile[] = [];
      let rows = 0;
      for (const f of files) {
        if (rows >= opts.limit) break;
        needed.push(f);
        rows += f.numRecords ?? 0;
      }
      files = needed;
    }
    const local = await this.downloadAll(table, files);
    const { columns, rows } = await selectRows(local, opts, deltaColumns(snapshot) ?? []);
    return { table, columns, rows };
  }

  async history(table: TableName): Promise<HistoryEntry[]> {
    const { snapshot } = await this.load(table);
    return [...snapshot.history].reverse().map((v) => ({
      version: v.version,
      timestamp: v.timestamp,
      operation: v.operation,
      rows: v.rows,
      files: v.files,
      metrics: v.metrics,
    }));
  }

  async verify(): Promise<VerifyReport> {
    const tables: TableCheck[] = [];
    for (const table of this.present) tables.push(await this.verifyTable(table));
    const bad = tables.find((t) => t.problem);
    const stray = [
      ...(await this.s3.listObjects(`${STAGING_PREFIX}/`)),
      ...(await this.s3.listObjects(`${PROBE_PREFIX}/`)),
    ];
    return {
      location: this.location,
      tables,
      leftovers: s3Leftovers(this.s3.config.bucket, stray),
      firstProblem: bad ? `${bad.table}: ${bad.problem}` : null,
    };
  }

  private async verifyTable(table: TableName): Promise<TableCheck> {
    let loaded: LoadedTable;
    try {
      loaded = await this.load(table);
    } catch (e) {
      if (e instanceof DeltaLogError) return { table, rows: 0, files: 0, problem: `Delta log: ${e.message}` };
      if (e instanceof SyntaxError)
        return { table, rows: 0, files: 0, problem: `${META_OBJECT}: ${e.message}` };
      throw e;
    }
    const { snapshot, objects, meta } = loaded;
    const check = (problem: string | null, rows = 0): TableCheck => ({
      table,
      rows,
      files: snapshot.files.length,
      problem,
    });
    if (!meta) return check(`${META_OBJECT} is missing`);
    for (const f of snapshot.files) {
      const size = objects.get(this.fileKey(table, f));
      if (size === undefined)
        return check(`file ${f.path} (in Delta version ${snapshot.version}) is missing`);
      if (size !== f.size) return check(`file ${f.path} is ${size} bytes, the Delta log says ${f.size}`);
      if (f.hasDeletionVector) return check(`file ${f.path} has a deletion vector, which bf does not read`);
    }
    let local: string[];
    try {
      local = await this.downloadAll(table, snapshot.files);
    } catch (e) {
      return check(`cannot download its files: ${errorLine(e)}`);
    }
    const schema = deltaColumns(snapshot);
    const result = await checkTable(this.pq, {
      files: snapshot.files.map((f, i) => ({ path: local[i] as string, name: f.path, rows: f.numRecords })),
      rows: meta.rows,
      schema,
      symbols: schema?.some((c) => c.name === 'symbol') ? meta.symbols : null,
    });
    return check(result.problem, result.rows);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.loaded.values());
    this.pq.close();
    this.s3.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private load(table: TableName): Promise<LoadedTable> {
    if (!this.present.includes(table)) throw tableMissing(table, this.location, this.present);
    let p = this.loaded.get(table);
    if (!p) {
      p = this.readTable(table);
      this.loaded.set(table, p);
    }
    return p;
  }

  private async readTable(table: TableName): Promise<LoadedTable> {
    const prefix = `${this.s3.tableKey(table)}/`;
    const listed = await this.s3.listObjects(prefix);
    const logKeys = listed.map((o) => o.key).filter((k) => k.startsWith(`${prefix}_delta_log/`));
    // Commits before a checkpoint may have been cleaned up (Delta's log retention): start from the checkpoint then.
    const checkpoint = chooseCheckpoint(logKeys);
    let base: CheckpointBase | undefined;
    if (checkpoint) {
      const local: string[] = [];
      for (const [i, key] of checkpoint.keys.entries()) {
        const path = join(this.scratch, `${table}-checkpoint-${checkpoint.version}-${i}.parquet`);
        await this.s3.download(key, path);
        local.push(path);
      }
      base = { version: checkpoint.version, actions: (await this.pq.checkpointActions(local)) as Action[] };
    }
    const commits: { version: number; text: string }[] = [];
    for (const key of logKeys) {
      const version = commitVersion(key);
      if (version === null || (base && version < base.version)) continue;
      commits.push({ version, text: (await this.s3.getText(key)) ?? '' });
    }
    const snapshot = replay(commits, base);
    const metaText = await this.s3.getText(`${prefix}${META_OBJECT}`);
    const meta = metaText === null ? null : (JSON.parse(metaText) as TableMeta);
    return { snapshot, objects: new Map(listed.map((o) => [o.key, o.size])), meta };
  }

  private fileKey(table: TableName, f: DeltaFile): string {
    return `${this.s3.tableKey(table)}/${f.path}`;
  }

  /** Downloads data files into the scratch directory (once each); returns their local paths in order. */
  private async downloadAll(table: TableName, files: readonly DeltaFile[]): Promise<string[]> {
    const paths: string[] = [];
    for (const [i, f] of files.entries()) {
      const local = join(this.scratch, `${table}-${i}-${f.path.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      await this.s3.download(this.fileKey(table, f), local);
      paths.push(local);
    }
    return paths;
  }
}

/** The Delta schema as DuckDB columns (partition columns are not in the files); null when a type is not mapped. */
function deltaColumns(s: DeltaSnapshot): ColumnInfo[] | null {
  const out: ColumnInfo[] = [];
  for (const f of s.schema) {
    if (s.partitionColumns.includes(f.name)) continue;
    const type = duckdbType(f.type);
    if (!type) return null;
    out.push({ name: f.name, type });
  }
  return out;
}

function refuseDeletionVectors(table: TableName, files: readonly DeltaFile[]): void {
  const dv = files.find((f) => f.hasDeletionVector);
  if (dv) {
    throw new BfError(`table ${table}: file ${dv.path} has a deletion vector, which bf lake does not read`, {
      hint: 'read the table with Spark instead',
    });
  }
}
