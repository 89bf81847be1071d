import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAKE_LOCK_FILE, TEST_SWAP_DELAY_ENV } from '../config/lake.ts';
import { BfError } from '../util/errors.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import type { Lineage } from './lineage.ts';
import { FileLock, type FileLockOptions, isAlive } from './lock.ts';
import type { TableName } from './tables.ts';

/** Default workspace directory, relative to the current directory. */
export const DEFAULT_WORKDIR = '.bf';
export const META_FILE = '_meta.json';
const STAGING_PREFIX = '.staging-';
const OLD_PREFIX = '.old-';

/**
 * The workspace directory: the explicit option (`--workdir`), else `BF_HOME`, else `.bf/` in the current directory.
 * Always absolute.
 */
export function resolveWorkdir(
  opt?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const chosen = opt?.trim() || env.BF_HOME?.trim() || DEFAULT_WORKDIR;
  return resolve(cwd, chosen);
}

/** What `_meta.json` says about one table version. */
export interface TableMeta {
  table: TableName;
  /** Where the rows came from: a source name (`yahoo`, `stooq`, `synthetic`…) or `+`-joined names after merges. */
  source: string;
  /** True when any row is synthetic (generated, not market data). */
  synthetic: boolean;
  rows: number;
  /** Sorted distinct symbols in the table (empty when the table has no symbol column). */
  symbols: string[];
  /** ISO timestamp of the write. */
  writtenAt: string;
  /** Parquet file names inside the table directory. */
  files: string[];
  /** prices only: where each symbol's bars came from, per date segment (src/lake/lineage.ts). */
  lineage?: Lineage;
  /**
   * A table written as rows a later version may extend (breadth_series): the digest of its rows in order
   * (src/engines/rows-digest.ts), so that version keeps these files and adds only its new rows when they come first.
   */
  rowsDigest?: string;
}

export type TableMetaInput = Pick<
  TableMeta,
  'source' | 'synthetic' | 'rows' | 'symbols' | 'lineage' | 'rowsDigest'
>;

export interface WriteTableHooks {
  /** Called after the new version is complete and fsynced, before it replaces the old one (tests simulate crashes here). */
  beforeSwap?: (stagingDir: string) => void | Promise<void>;
}

export interface LakeOptions {
  logger?: Logger;
  /** Overrides of the lake lock's timeout, poll period and the command shown to waiting runs. */
  lock?: Omit<FileLockOptions, 'label' | 'logger'>;
}

/**
 * A directory of Parquet tables with atomic replacement. A table version becomes visible only by renaming a
 * complete, fsynced staging directory onto `<root>/<table>`; the previous version is moved aside first and then
 * deleted. `open` repairs what a crash can leave: a moved-aside version with no replacement is restored, stray
 * staging directories of dead processes are deleted.
 *
 * Several bf processes may share a workdir: every write holds the workdir's lake lock (`<workdir>/lake.lock`,
 * src/lake/lock.ts) exclusively, and a read-merge-write (prices) holds it across the read too (`withLock`), so no
 * writer replaces a version it did not merge. Readers that must not see a table between the two renames of a swap
 * hold it shared (`withReadLock`).
 */
export class Lake {
  readonly workdir: string;
  /** `<workdir>/lake` */
  readonly root: string;
  readonly lock: FileLock;
  private readonly logger: Logger;

  private constructor(workdir: string, opts: LakeOptions) {
    this.workdir = workdir;
    this.root = join(workdir, 'lake');
    this.logger = opts.logger ?? silentLogger;
    this.lock = new FileLock(join(workdir, LAKE_LOCK_FILE), {
      ...opts.lock,
      label: 'the lake lock',
      logger: this.logger,
    });
  }

  static open(workdir: string, opts: LakeOptions = {}): Lake {
    const lake = new Lake(resolve(workdir), opts);
    try {
      mkdirSync(lake.root, { recursive: true });
    } catch (cause) {
      throw new BfError(`cannot create the lake directory ${lake.root}`, {
        cause,
        hint: 'check that the workdir (--workdir or BF_HOME) is writable',
      });
    }
    // Repair now if no other process is writing; otherwise the next write repairs (every write does, first).
    lake.lock.tryExclusiveSync(() => lake.recover());
    return lake;
  }

  /**
   * The lake of `workdir` for reading only: null when it has no lake directory. Unlike `open` it creates
   * nothing and repairs nothing (readers leave a writer's leftovers to the writer).
   */
  static existing(workdir: string, opts: LakeOptions = {}): Lake | null {
    const lake = new Lake(resolve(workdir), opts);
    return existsSync(lake.root) ? lake : null;
  }

  /**
   * Runs `fn` holding the lake lock exclusively, after repairing what a dead writer left. Wrap a whole
   * read-merge-write in it; `writeTable` calls inside reuse the hold.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.lock.heldMode() === 'exclusive') return fn();
    return this.lock.exclusive(async () => {
      this.recover();
      return fn();
    });
  }

  /** Runs `fn` holding the lake lock shared: no write swaps a table while it reads. */
  withReadLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.shared(fn);
  }

  /** Releases the lock's file handle (call between holds, when done with the lake). */
  close(): void {
    this.lock.close();
  }

  tableDir(table: TableName): string {
    return join(this.root, table);
  }

  /** True when a complete version of the table exists. */
  has(table: TableName): boolean {
    return existsSync(join(this.tableDir(table), META_FILE));
  }

  readMeta(table: TableName): TableMeta | null {
    const path = join(this.tableDir(table), META_FILE);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as TableMeta;
    } catch (cause) {
      throw new BfError(`cannot read ${path}`, {
        cause,
        hint: `delete ${this.tableDir(table)} and re-create the table`,
      });
    }
  }

  /** Absolute paths of the table's Parquet files, or null when the table does not exist. */
  parquetFiles(table: TableName): string[] | null {
    const meta = this.readMeta(table);
    if (!meta) return null;
    return meta.files.map((f) => join(this.tableDir(table), f));
  }

  /**
   * Writes a new version of `table`: `writeData` fills a fresh staging directory with `.parquet` files (and may
   * return metadata it only learns while writing, e.g. the row count), then the metadata is added, everything
   * fsynced, and the staging directory renamed over the table. Holds the lake lock (re-entrantly).
   */
  writeTable(
    table: TableName,
    // biome-ignore lint/suspicious/noConfusingVoidType: a writer that learns nothing simply returns nothing
    writeData: (stagingDir: string) => Promise<Partial<TableMetaInput> | void>,
    meta: TableMetaInput,
    hooks: WriteTableHooks = {},
  ): Promise<TableMeta> {
    return this.withLock(() => this.writeLocked(table, writeData, meta, hooks));
  }

  private async writeLocked(
    table: TableName,
    // biome-ignore lint/suspicious/noConfusingVoidType: a writer that learns nothing simply returns nothing
    writeData: (stagingDir: string) => Promise<Partial<TableMetaInput> | void>,
    meta: TableMetaInput,
    hooks: WriteTableHooks = {},
  ): Promise<TableMeta> {
    const tag = `${table}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const staging = join(this.root, `${STAGING_PREFIX}${tag}`);
    mkdirSync(staging);
    try {
      const learned = (await writeData(staging)) ?? {};
      const merged = { ...meta, ...learned };
      const files = readdirSync(staging)
        .filter((f) => f.endsWith('.parquet'))
        .sort();
      const full: TableMeta = {
        table,
        source: merged.source,
        synthetic: merged.synthetic,
        rows: merged.rows,
        symbols: [...merged.symbols].sort(),
        writtenAt: new Date().toISOString(),
        files,
        ...(merged.lineage ? { lineage: merged.lineage } : {}),
        ...(merged.rowsDigest ? { rowsDigest: merged.rowsDigest } : {}),
      };
      writeFileSync(join(staging, META_FILE), `${JSON.stringify(full, null, 2)}\n`);
      for (const f of readdirSync(staging)) fsyncPath(join(staging, f));
      fsyncPath(staging);
      await hooks.beforeSwap?.(staging);
      const delay = Number(process.env[TEST_SWAP_DELAY_ENV]);
      if (delay > 0) await sleep(delay);
      this.swapIn(table, staging, tag);
      return full;
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Replaces only the lineage in a table's `_meta.json` (a fetch that changed no bar still records what it
   * fetched): written to a temp file and renamed over, under the lake lock.
   */
  rewriteLineage(table: TableName, lineage: Lineage): Promise<TableMeta | null> {
    return this.withLock(async () => {
      const current = this.readMeta(table);
      if (!current) return null;
      const next: TableMeta = { ...current, lineage };
      const path = join(this.tableDir(table), META_FILE);
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`);
      fsyncPath(temp);
      renameSync(temp, path);
      fsyncPath(this.tableDir(table));
      return next;
    });
  }

  /** Moves the current version aside, renames the staging directory in, then deletes the old version. */
  private swapIn(table: TableName, staging: string, tag: string): void {
    const target = this.tableDir(table);
    const old = join(this.root, `${OLD_PREFIX}${tag}`);
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    renameSync(staging, target);
    fsyncPath(this.root);
    if (hadOld) rmSync(old, { recursive: true, force: true });
  }

  /**
   * Repairs what an interrupted write leaves behind (only entries of processes that are no longer alive):
   * a moved-aside old version whose table is missing is restored; other old versions and staging dirs are deleted.
   */
  recover(): { restored: string[]; removed: string[] } {
    const restored: string[] = [];
    const removed: string[] = [];
    for (const entry of readdirSync(this.root)) {
      const parsed = parseLeftover(entry);
      if (!parsed || isAlive(parsed.pid)) continue;
      const path = join(this.root, entry);
      const target = join(this.root, parsed.table);
      if (parsed.kind === 'old' && !existsSync(target) && existsSync(join(path, META_FILE))) {
        renameSync(path, target);
        restored.push(parsed.table);
        this.logger.warn(`lake: restored table ${parsed.table} after an interrupted write`);
      } else {
        rmSync(path, { recursive: true, force: true });
        removed.push(entry);
      }
    }
    if (restored.length > 0) fsyncPath(this.root);
    return { restored, removed };
  }
}

/** What an interrupted write left in the lake directory (`lakeLeftovers`). */
export interface LakeLeftover {
  /** A new version never renamed in; a version moved aside and never deleted; a temp file never renamed over. */
  kind: 'staging' | 'old' | 'temp';
  path: string;
  /** The table it belongs to. */
  table: string;
  /** The process that wrote it, when its name says (staging and old versions). */
  pid: number | null;
}

/**
 * Lists, without touching anything, what interrupted writes left: staging directories and moved-aside versions
 * (what `recover` repairs), and temp files inside the tables (`*.tmp` of a `_meta.json` or state rewrite, which go
 * with their table's next version). Call it under the lake lock (shared is enough): no write is then in progress.
 */
export function lakeLeftovers(root: string): LakeLeftover[] {
  if (!existsSync(root)) return [];
  const out: LakeLeftover[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(root, entry.name);
    const parsed = parseLeftover(entry.name);
    if (parsed) {
      out.push({ kind: parsed.kind, path, table: parsed.table, pid: parsed.pid });
      continue;
    }
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const f of readdirSync(path).sort()) {
      if (f.endsWith('.tmp'))
        out.push({ kind: 'temp', path: join(path, f), table: entry.name, pid: tempPid(f) });
    }
  }
  return out;
}

/** The pid in `<name>.<pid>.tmp`, the temp-file names bf writes. */
function tempPid(name: string): number | null {
  const m = /\.(\d+)\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Puts an existing table file into a staging directory as a hard link (table files are never rewritten in place,
 * and the lake is one file system), or a copy where links fail. For versions that keep files of the last one.
 */
export function linkIntoStaging(file: string, stagingDir: string): void {
  const target = join(stagingDir, basename(file));
  try {
    linkSync(file, target);
  } catch {
    copyFileSync(file, target);
  }
}

function parseLeftover(entry: string): { kind: 'staging' | 'old'; table: string; pid: number } | null {
  const kind = entry.startsWith(STAGING_PREFIX) ? 'staging' : entry.startsWith(OLD_PREFIX) ? 'old' : null;
  if (!kind) return null;
  const rest = entry.slice(kind === 'staging' ? STAGING_PREFIX.length : OLD_PREFIX.length);
  const m = /^([a-z][a-z0-9_]*)-(\d+)-[0-9a-f]+$/.exec(rest);
  if (!m) return null;
  return { kind, table: m[1]!, pid: Number(m[2]) };
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
