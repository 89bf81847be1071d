import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostPort, PROBE_PREFIX, STACK_HOST } from '../../config/stack.ts';
import { spillLeftovers } from '../../engines/duckdb/spill.ts';
import { runIdTime, STAGING_ORPHAN_MS, STAGING_PREFIX } from '../../engines/spark/staging.ts';
import { lakeLeftovers } from '../lake.ts';
import type { Leftover, LeftoverKind } from './types.ts';

/** For each kind: what it is and what removes it (`bf lake verify` prints one per kind found). */
export function leftoverNote(kind: LeftoverKind, env: NodeJS.ProcessEnv = process.env): string {
  const console = `the S3 console (http://${STACK_HOST}:${hostPort('s3-console', 'ui', env)})`;
  return {
    'staged-input': `input a Spark job staged in the bucket and could not delete because the job failed (e.g. the S3 store stopped mid-job); no table reads it. The next successful Spark job removes those older than ${STAGING_ORPHAN_MS / 60_000} min (a younger one may belong to a job still running); to remove them now, delete its staging/<run id>/ folder in ${console}`,
    'probe-object': `a few bytes a store check wrote and could not delete (the store stopped mid-check); nothing reads them. The next store check that succeeds (a Spark command, \`bf infra start\`) removes those older than 10 min, or delete them in ${console}`,
    'staging-dir':
      'a table version a killed write never renamed in; the table keeps its previous version. The next write to the lake (bf data fetch, bf signals generate, bf pipeline run) removes it',
    'old-version':
      'a table version moved aside by a write killed between its two renames. The next write to the lake restores it if its table is missing, else removes it',
    'temp-file':
      "a metadata or state file a killed write never renamed over the real one (which is whole). The table's next version removes it",
    spill:
      'what a killed embedded run spilled past BF_DUCKDB_MEMORY_LIMIT; nothing reads it. The next bf command that opens the embedded engine on this workdir removes it',
  }[kind];
}

/** What interrupted writes left in an embedded lake's workdir. Read only; call it under the lake lock. */
export function localLeftovers(workdir: string, lakeRoot: string, now = Date.now()): Leftover[] {
  const out: Leftover[] = [];
  const kinds = { staging: 'staging-dir', old: 'old-version', temp: 'temp-file' } as const;
  for (const l of lakeLeftovers(lakeRoot)) {
    out.push({
      kind: kinds[l.kind],
      location: l.path,
      run: l.pid === null ? null : `pid ${l.pid}`,
      ...usage(l.path, now),
    });
  }
  for (const l of spillLeftovers(workdir)) {
    const used = usage(l.path, now);
    // Every killed run leaves its (usually empty) spill directory: only one holding data is worth naming.
    if (used.objects === 0) continue;
    out.push({ kind: 'spill', location: l.path, run: l.pid === null ? null : `pid ${l.pid}`, ...used });
  }
  return out;
}

/**
 * The Spark lake's bucket: staged inputs under `staging/<run id>/` (one entry per run, aged by its run id) and
 * serve-probe objects left by an interrupted check. `objects` is every key under those prefixes with its size.
 */
export function s3Leftovers(
  bucket: string,
  objects: readonly { key: string; size: number }[],
  now = Date.now(),
): Leftover[] {
  const runs = new Map<string, Leftover>();
  for (const o of objects) {
    const [prefix, run, ...rest] = o.key.split('/');
    if (!run) continue;
    let kind: LeftoverKind;
    let made: number | null;
    if (prefix === STAGING_PREFIX && rest.length > 0) {
      kind = 'staged-input';
      made = runIdTime(run);
    } else if (prefix === PROBE_PREFIX) {
      kind = 'probe-object';
      const ms = /^(\d+)-/.exec(run)?.[1];
      made = ms ? Number(ms) : null;
    } else continue;
    const location = kind === 'staged-input' ? `s3://${bucket}/${prefix}/${run}/` : `s3://${bucket}/${o.key}`;
    const entry = runs.get(location) ?? {
      kind,
      location,
      run: kind === 'staged-input' ? run : null,
      objects: 0,
      bytes: 0,
      ageMs: made === null ? null : Math.max(0, now - made),
    };
    entry.objects += 1;
    entry.bytes += o.size;
    runs.set(location, entry);
  }
  return [...runs.values()];
}

/** Files, bytes and age (since the newest mtime) of a file or directory tree. */
function usage(path: string, now: number): { objects: number; bytes: number; ageMs: number | null } {
  let objects = 0;
  let bytes = 0;
  let newest = 0;
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      newest = Math.max(newest, st.mtimeMs);
      for (const f of safeList(p)) walk(join(p, f));
    } else {
      objects += 1;
      bytes += st.size;
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(path);
  return { objects, bytes, ageMs: newest > 0 ? Math.max(0, now - newest) : null };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
