/**
 * Reading a Delta table's transaction log (`_delta_log/NNNNNNNNNNNNNNNNNNNN.json`, one action per line), per the
 * Delta protocol: replaying `add`/`remove` actions gives the files of each version, `metaData.schemaString` the
 * schema, `commitInfo` the time, operation and metrics. Pure: the caller fetches the commit texts.
 */

export interface DeltaFile {
  /** Path relative to the table root, URL-decoded. */
  path: string;
  size: number;
  /** `stats.numRecords`, null when the writer recorded no stats. */
  numRecords: number | null;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  /** A deletion vector hides rows of the file: reading the file alone would show deleted rows. */
  hasDeletionVector: boolean;
}

export interface DeltaField {
  name: string;
  /** Delta's type: `string`, `long`, `double`, `date`… or a nested type object. */
  type: unknown;
  nullable: boolean;
}

export interface DeltaVersion {
  version: number;
  /** ISO time from commitInfo.timestamp (ms since epoch), null when the commit has no commitInfo. */
  timestamp: string | null;
  operation: string;
  metrics: Record<string, string>;
  /** Rows after this version: the sum of numRecords of its files; null when some file has no stats. */
  rows: number | null;
  files: number;
}

export interface DeltaSnapshot {
  version: number;
  files: DeltaFile[];
  schema: DeltaField[];
  partitionColumns: string[];
  history: DeltaVersion[];
}

/** The commit version of a log key (`…/_delta_log/00000000000000000007.json`), null for other log files. */
export function commitVersion(key: string): number | null {
  const m = /(?:^|\/)(\d{20})\.json$/.exec(key);
  return m ? Number(m[1]) : null;
}

export interface Action {
  add?: { path: string; size: number; stats?: string; deletionVector?: unknown };
  remove?: { path: string };
  metaData?: { schemaString: string; partitionColumns?: string[] };
  commitInfo?: { timestamp?: number; operation?: string; operationMetrics?: Record<string, unknown> };
}

export class DeltaLogError extends Error {}

/** Parses one commit file; throws DeltaLogError naming the version and line when a line is not JSON. */
export function parseCommit(version: number, text: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      actions.push(JSON.parse(line) as Action);
    } catch {
      throw new DeltaLogError(`commit ${version} line ${i + 1} is not JSON`);
    }
  }
  return actions;
}

/**
 * The state a checkpoint records at `version`: its `add` and `metaData` actions (read from the checkpoint's Parquet
 * by the caller). The JSON commit of that version, when still there, supplies only its commitInfo.
 */
export interface CheckpointBase {
  version: number;
  actions: Action[];
}

/**
 * Replays JSON commits (in order, no gaps) from version 0, or from a checkpoint when the commits before it were
 * cleaned up, into the latest snapshot and the per-version history. Throws DeltaLogError when versions are missing
 * or there is no metaData.
 */
export function replay(
  commits: readonly { version: number; text: string }[],
  base?: CheckpointBase,
): DeltaSnapshot {
  const sorted = [...commits].sort((a, b) => a.version - b.version);
  const first = base ? base.version + 1 : 0;
  const after = sorted.filter((c) => c.version >= first);
  if (!base && sorted.length === 0) throw new DeltaLogError('the log has no commits');
  if (!base && sorted[0]?.version !== 0) {
    throw new DeltaLogError(
      `the log starts at version ${sorted[0]?.version} and has no checkpoint to start from`,
    );
  }
  const files = new Map<string, DeltaFile>();
  const state = { schema: null as DeltaField[] | null, partitionColumns: [] as string[] };
  const history: DeltaVersion[] = [];
  const apply = (version: number, actions: readonly Action[]) => {
    let info: Action['commitInfo'] | undefined;
    for (const a of actions) {
      if (a.add) files.set(decodePath(a.add.path), toFile(a.add));
      else if (a.remove) files.delete(decodePath(a.remove.path));
      else if (a.metaData) {
        state.schema = parseSchema(a.metaData.schemaString, version);
        state.partitionColumns = a.metaData.partitionColumns ?? [];
      } else if (a.commitInfo) info = a.commitInfo;
    }
    return info;
  };
  const record = (version: number, info: Action['commitInfo'] | undefined, fallback: string) => {
    const all = [...files.values()];
    history.push({
      version,
      timestamp: typeof info?.timestamp === 'number' ? new Date(info.timestamp).toISOString() : null,
      operation: info?.operation ?? fallback,
      metrics: Object.fromEntries(
        Object.entries(info?.operationMetrics ?? {}).map(([k, v]) => [k, String(v)]),
      ),
      rows: all.every((f) => f.numRecords !== null) ? all.reduce((s, f) => s + (f.numRecords ?? 0), 0) : null,
      files: all.length,
    });
  };
  if (base) {
    apply(base.version, base.actions);
    // The checkpoint holds the state, the commit (if kept) when and how it was reached.
    const own = sorted.find((c) => c.version === base.version);
    const info = own ? parseCommit(own.version, own.text).find((a) => a.commitInfo)?.commitInfo : undefined;
    record(base.version, info, 'unknown (from checkpoint)');
  }
  for (const [i, c] of after.entries()) {
    if (c.version !== first + i)
      throw new DeltaLogError(`commit ${first + i} is missing from the log (next is ${c.version})`);
    record(c.version, apply(c.version, parseCommit(c.version, c.text)), 'unknown');
  }
  if (!state.schema) throw new DeltaLogError('the log has no metaData action (no schema)');
  return {
    version: history.at(-1)?.version ?? first,
    files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)),
    schema: state.schema,
    partitionColumns: state.partitionColumns,
    history,
  };
}

/** The checkpoint of a log key: version and part (`…/00000000000000000010.checkpoint.parquet`, multi-part too). */
export function checkpointPart(key: string): { version: number; part: number; parts: number } | null {
  const single = /(?:^|\/)(\d{20})\.checkpoint\.parquet$/.exec(key);
  if (single) return { version: Number(single[1]), part: 1, parts: 1 };
  const multi = /(?:^|\/)(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/.exec(key);
  return multi ? { version: Number(multi[1]), part: Number(multi[2]), parts: Number(multi[3]) } : null;
}

/**
 * The checkpoint to start from: the newest complete one (every part present) when commit 0 is gone, else null
 * (replaying every JSON commit needs no Parquet read).
 */
export function chooseCheckpoint(keys: readonly string[]): { version: number; keys: string[] } | null {
  if (keys.some((k) => commitVersion(k) === 0)) return null;
  const byVersion = new Map<number, { parts: number; keys: string[] }>();
  for (const k of keys) {
    const c = checkpointPart(k);
    if (!c) continue;
    const entry = byVersion.get(c.version) ?? { parts: c.parts, keys: [] };
    entry.keys.push(k);
    byVersion.set(c.version, entry);
  }
  const complete = [...byVersion.entries()]
    .filter(([, e]) => e.keys.length === e.parts)
    .sort((a, b) => b[0] - a[0]);
  const best = complete[0];
  return best ? { version: best[0], keys: best[1].keys.sort() } : null;
}

function decodePath(path: string): string {
  // Delta stores paths as URIs relative to the table root: percent-encoded.
  return decodeURIComponent(path);
}

function toFile(add: NonNullable<Action['add']>): DeltaFile {
  let stats: {
    numRecords?: number;
    minValues?: Record<string, unknown>;
    maxValues?: Record<string, unknown>;
  } = {};
  if (add.stats) {
    try {
      stats = JSON.parse(add.stats);
    } catch {
      stats = {};
    }
  }
  return {
    path: decodePath(add.path),
    size: Number(add.size),
    numRecords: typeof stats.numRecords === 'number' ? stats.numRecords : null,
    minValues: stats.minValues ?? {},
    maxValues: stats.maxValues ?? {},
    hasDeletionVector: add.deletionVector != null,
  };
}

function parseSchema(text: string, version: number): DeltaField[] {
  try {
    const s = JSON.parse(text) as { fields?: DeltaField[] };
    return (s.fields ?? []).map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }));
  } catch {
    throw new DeltaLogError(`commit ${version}: metaData.schemaString is not JSON`);
  }
}

const PRIMITIVE: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  binary: 'BLOB',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ntz: 'TIMESTAMP',
};

/** The DuckDB type a Parquet column of this Delta type reads as; null for types bf does not map (nested). */
export function duckdbType(type: unknown): string | null {
  if (typeof type !== 'string') return null;
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
  return PRIMITIVE[type] ?? null;
}

/** Rows of the snapshot by stats (null when some file has none). */
export function snapshotRows(s: DeltaSnapshot): number | null {
  return s.history.at(-1)?.rows ?? null;
}

/** First and last value of a column from the files' min/max stats (no data read); null when not recorded. */
export function statsRange(
  files: readonly DeltaFile[],
  column: string,
): { first: string; last: string } | null {
  let first: string | null = null;
  let last: string | null = null;
  for (const f of files) {
    const lo = f.minValues[column];
    const hi = f.maxValues[column];
    if (typeof lo !== 'string' || typeof hi !== 'string') return null;
    if (first === null || lo < first) first = lo;
    if (last === null || hi > last) last = hi;
  }
  return first === null || last === null ? null : { first, last };
}
