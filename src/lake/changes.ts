import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGE_LOG_ENTRIES } from '../config/lake.ts';

/**
 * The prices table's change log: which bars each version changed, so `bf signals generate` recomputes only from
 * there (src/engines/incremental-plan.ts). Written by the merge that makes the version, into the same directory,
 * so the log always describes exactly the version beside it.
 *
 * A version's changes name, per symbol, the earliest date of a bar it added, replaced (a value differs) or dropped
 * (`--replace`): every bar of that symbol before that date is exactly as it was in the parent version.
 */
export const CHANGES_FILE = '_changes.json';

/** Symbol → earliest changed date (ISO). */
export type SymbolChanges = Record<string, string>;

export interface ChangeEntry {
  /** The version this change was made to; null for the table's first version. */
  parent: string | null;
  version: string;
  changes: SymbolChanges;
}

export interface ChangeLog {
  /** The version of the prices table this file sits in. */
  version: string;
  /** Oldest first; the last one made `version`. At most CHANGE_LOG_ENTRIES. */
  entries: ChangeEntry[];
}

export function newVersionId(): string {
  return randomBytes(8).toString('hex');
}

/** The log after one more merge: `changes` made a new version from `previous` (null for a new table). */
export function nextChangeLog(previous: ChangeLog | null, changes: SymbolChanges): ChangeLog {
  const version = newVersionId();
  const entry: ChangeEntry = { parent: previous?.version ?? null, version, changes };
  return { version, entries: [...(previous?.entries ?? []), entry].slice(-CHANGE_LOG_ENTRIES) };
}

/**
 * The id of a Delta version of `prices` (Spark engine). There the log's versions are the table's own: the log is
 * an object written after the MERGE commits, not with it, so a log whose version is not the table's current one
 * (a run stopped between the two) is seen as such and nothing is read from it.
 */
export const deltaVersionId = (version: number): string => `delta-${version}`;

/**
 * The log after one more Delta commit: `changes` made `version` from `parent` (null for a new table). A previous
 * log that does not end at `parent` (a commit it missed) is not continued: the new log starts at `parent`.
 */
export function nextDeltaChangeLog(
  previous: ChangeLog | null,
  changes: SymbolChanges,
  ids: { parent: string | null; version: string },
): ChangeLog {
  const entry: ChangeEntry = { parent: ids.parent, version: ids.version, changes };
  const kept =
    previous !== null && ids.parent !== null && previous.version === ids.parent ? previous.entries : [];
  return { version: ids.version, entries: [...kept, entry].slice(-CHANGE_LOG_ENTRIES) };
}

/**
 * What changed in `prices` since the stored run's version `since`, given the table's `current` version and its
 * log: empty when it is the same version, null when unknown (no stored version, no log, or a log that is not the
 * current version's or does not reach back).
 */
export function changesOf(
  log: ChangeLog | null,
  since: string | null,
  current: string,
): Map<string, string> | null {
  if (since === null) return null;
  if (since === current) return new Map();
  if (!log || log.version !== current) return null;
  return changesSince(log, since);
}

/**
 * The changes between version `since` and the log's version, merged per symbol (earliest date wins): empty when
 * they are the same version, null when the log does not reach back to `since` (then nothing is known).
 */
export function changesSince(log: ChangeLog, since: string): Map<string, string> | null {
  const out = new Map<string, string>();
  if (log.version === since) return out;
  for (let i = log.entries.length - 1; i >= 0; i--) {
    const e = log.entries[i]!;
    for (const [symbol, date] of Object.entries(e.changes)) {
      const seen = out.get(symbol);
      if (seen === undefined || date < seen) out.set(symbol, date);
    }
    if (e.parent === since) return out;
    // A broken chain (an entry whose parent is not the one before it) ends what can be known.
    if (i > 0 && log.entries[i - 1]!.version !== e.parent) return null;
  }
  return null;
}

/** The log in a prices table directory, or null when it has none (a lake written before logs, or by a tool). */
export function readChangeLog(tableDir: string): ChangeLog | null {
  const path = join(tableDir, CHANGES_FILE);
  return existsSync(path) ? parseChangeLog(readFileSync(path, 'utf8')) : null;
}

/** A change log's text (null: none); an unreadable one is none: it only costs the next run its incremental path. */
export function parseChangeLog(text: string | null): ChangeLog | null {
  if (text === null) return null;
  try {
    const log = JSON.parse(text) as ChangeLog;
    return typeof log.version === 'string' && Array.isArray(log.entries) ? log : null;
  } catch {
    return null;
  }
}

export function writeChangeLog(dir: string, log: ChangeLog): void {
  writeFileSync(join(dir, CHANGES_FILE), `${JSON.stringify(log)}\n`);
}
