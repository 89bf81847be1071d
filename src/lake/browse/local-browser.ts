import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PRICE_COLUMNS } from '../../engines/engine.ts';
import { BfError } from '../../util/errors.ts';
import type { Logger } from '../../util/log.ts';
import { Lake, type TableMeta } from '../lake.ts';
import { TABLE, TABLE_NAMES, type TableName } from '../tables.ts';
import { checkTable, errorLine, tableMissing } from './checks.ts';
import { localLeftovers } from './leftovers.ts';
import { ParquetFiles, selectRows } from './parquet-files.ts';
import type {
  HistoryEntry,
  LakeBrowser,
  ShowOptions,
  ShowResult,
  TableCheck,
  TableSummary,
  VerifyReport,
} from './types.ts';

/**
 * The embedded lake (`<workdir>/lake/<table>/` with Parquet files and `_meta.json`), read only: it creates and
 * repairs nothing, and holds the workdir's lake lock shared while it reads, so a concurrent `bf` run cannot swap a
 * table in the middle of a read (it waits; this reader waits for a writer the same way).
 */
export class LocalLakeBrowser implements LakeBrowser {
  readonly engine = 'duckdb' as const;
  readonly location: string;
  private readonly lake: Lake;
  private readonly pq: ParquetFiles;

  private constructor(lake: Lake, pq: ParquetFiles) {
    this.lake = lake;
    this.pq = pq;
    this.location = lake.root;
  }

  /** `logger` tells the user when the read waits for a writer's lock. */
  static async open(workdir: string, logger?: Logger): Promise<LocalLakeBrowser> {
    const lake = Lake.existing(workdir, { logger });
    if (!lake || presentTables(lake).length === 0) {
      throw new BfError(`there is no lake in workdir ${workdir}`, {
        hint: '`bf pipeline run` (or `bf data fetch`) creates it; --workdir or BF_HOME chooses the workdir',
      });
    }
    return new LocalLakeBrowser(lake, await ParquetFiles.open());
  }

  list(): Promise<TableSummary[]> {
    return this.lake.withReadLock(async () => {
      const out: TableSummary[] = [];
      for (const table of presentTables(this.lake)) {
        const meta = this.requireMeta(table);
        const files = this.files(table, meta);
        const s: TableSummary = {
          table,
          rows: meta.rows,
          files: files.length,
          bytes: files.reduce((sum, f) => sum + sizeOf(f), 0),
          lastWrite: meta.writtenAt,
          source: meta.source,
          synthetic: meta.synthetic,
          version: null,
        };
        if (table === TABLE.prices) {
          s.symbols = meta.symbols;
          s.dateRange = await this.pq.dateRange(files, 'date');
        }
        out.push(s);
      }
      return out;
    });
  }

  show(table: TableName, opts: ShowOptions): Promise<ShowResult> {
    return this.lake.withReadLock(async () => {
      const files = this.files(table, this.requireMeta(table));
      const { columns, rows } = await selectRows(files, opts);
      return { table, columns, rows };
    });
  }

  async history(table: TableName): Promise<HistoryEntry[]> {
    const meta = await this.lake.withReadLock(async () => this.requireMeta(table));
    // The embedded lake keeps one version per table: the previous one is deleted once the new one is in.
    return [
      {
        version: null,
        timestamp: meta.writtenAt,
        operation: 'write',
        rows: meta.rows,
        files: meta.files.length,
        metrics: {},
      },
    ];
  }

  async verify(): Promise<VerifyReport> {
    const tables: TableCheck[] = [];
    const leftovers = await this.lake.withReadLock(async () => {
      for (const table of presentTables(this.lake)) tables.push(await this.verifyTable(table));
      // Under the lock: no write is in progress, so whatever a write leaves is a leftover.
      return localLeftovers(this.lake.workdir, this.lake.root);
    });
    const bad = tables.find((t) => t.problem);
    return {
      location: this.location,
      tables,
      leftovers,
      firstProblem: bad ? `${bad.table}: ${bad.problem}` : null,
    };
  }

  private async verifyTable(table: TableName): Promise<TableCheck> {
    let meta: TableMeta | null;
    try {
      meta = this.lake.readMeta(table);
    } catch (e) {
      return {
        table,
        rows: 0,
        files: 0,
        problem: `_meta.json is unreadable: ${errorLine((e as { cause?: unknown }).cause ?? e)}`,
      };
    }
    if (!meta) return { table, rows: 0, files: 0, problem: 'the table vanished while being checked' };
    const dir = this.lake.tableDir(table);
    const files = meta.files.map((name) => ({ path: join(dir, name), name, rows: null }));
    const check = (problem: string | null, rows = 0): TableCheck => ({
      table,
      rows,
      files: files.length,
      problem,
    });
    if (!Array.isArray(meta.files) || typeof meta.rows !== 'number') {
      return check('_meta.json lacks its files or rows');
    }
    const missing = files.find((f) => !existsSync(f.path));
    if (missing) return check(`file ${missing.name} listed in _meta.json is missing`);
    const stray = readdirSync(dir).find((f) => f.endsWith('.parquet') && !meta.files.includes(f));
    if (stray) return check(`file ${stray} is not listed in _meta.json`);
    const result = await checkTable(this.pq, {
      files,
      rows: meta.rows,
      schema: table === TABLE.prices ? PRICE_COLUMNS.map((c) => ({ name: c.name, type: c.type })) : null,
      symbols: meta.symbols.length > 0 || table === TABLE.prices ? meta.symbols : null,
    });
    return check(result.problem, result.rows);
  }

  async close(): Promise<void> {
    this.pq.close();
    this.lake.close();
  }

  private requireMeta(table: TableName): TableMeta {
    const meta = this.lake.readMeta(table);
    if (!meta) throw tableMissing(table, this.location, presentTables(this.lake));
    return meta;
  }

  private files(table: TableName, meta: TableMeta): string[] {
    return meta.files.map((f) => join(this.lake.tableDir(table), f));
  }
}

/** Tables with a complete version, in TABLE order. */
function presentTables(lake: Lake): TableName[] {
  return TABLE_NAMES.filter((t) => lake.has(t));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
