import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../lake/lock.ts';

/**
 * The embedded engine's spill area, `<workdir>/tmp/duckdb`. Each engine spills into a directory of its own,
 * `<host>-<pid>-<random>`: DuckDB names its spill files the same in every process (`duckdb_temp_storage_*.tmp`), so
 * two runs on one workdir would write into each other's files, and a run killed mid-spill (SIGKILL: DuckDB cannot
 * delete them) leaves hundreds of MB that the owner's name tells apart from a live run's.
 */
export function spillRoot(workdir: string): string {
  return join(workdir, 'tmp', 'duckdb');
}

/** This host's name as it appears in spill directory names (a shared NFS workdir holds other hosts' too). */
const thisHost = () => hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';

/** A fresh spill directory path for this process (not created: the caller makes it). */
export function newSpillDir(workdir: string): string {
  return join(spillRoot(workdir), `${thisHost()}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** What a spill directory's name says; null for anything else (DuckDB's files of the old flat layout). */
export function parseSpillDir(name: string): { host: string; pid: number } | null {
  const m = /^(.+)-(\d+)-[0-9a-f]{8}$/.exec(name);
  return m ? { host: m[1] as string, pid: Number(m[2]) } : null;
}

export interface SpillLeftover {
  path: string;
  /** The process that spilled there, when its directory says (`pid N`); null for loose files. */
  pid: number | null;
}

/**
 * Spill that no running process owns: directories of this host's dead processes, and loose files (bf before
 * per-process directories spilled straight into the root). Other hosts' directories are left alone: their
 * processes cannot be asked. Read only.
 */
export function spillLeftovers(workdir: string): SpillLeftover[] {
  const root = spillRoot(workdir);
  if (!existsSync(root)) return [];
  const out: SpillLeftover[] = [];
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    const owner = parseSpillDir(name);
    if (owner && isDirectory(path)) {
      if (owner.host === thisHost() && !isAlive(owner.pid)) out.push({ path, pid: owner.pid });
    } else out.push({ path, pid: null });
  }
  return out;
}

/**
 * Deletes what `spillLeftovers` finds (called as an engine opens). A file another process still holds open stays
 * readable to it after the unlink, so even a loose file of an old bf still running loses nothing.
 */
export function sweepSpill(workdir: string): string[] {
  const gone: string[] = [];
  for (const left of spillLeftovers(workdir)) {
    try {
      rmSync(left.path, { recursive: true, force: true });
      gone.push(left.path);
    } catch {
      // Best effort: bf lake verify names what stays.
    }
  }
  return gone;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
