import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import { SIGNAL_NAMES, type SignalName } from '../domain/signal.ts';
import { type EngineName, engineChoices, engineNamed } from '../pipeline/types.ts';
import { UsageError } from '../util/errors.ts';

/** Flags shared by data/signals/backtest/pipeline; one definition so every command spells them the same. */
export const commonOptions = {
  symbolList: () =>
    new Option(
      '--symbol-list <name|file>',
      'built-in list (demo_small, demo_large) or a file, one symbol per line',
    ).default('demo_small'),
  source: () => new Option('--source <source>', 'yahoo | sample | csv:DIR').default('sample'),
  start: () =>
    new Option(
      '--start <date>',
      "first date, YYYY-MM-DD (default: the source's — csv:DIR everything in the files, yahoo 5 years before --end, sample 2020-01-01)",
    ),
  end: () =>
    new Option(
      '--end <date>',
      "last date, YYYY-MM-DD (default: the source's — csv:DIR everything, yahoo today, sample 2024-12-31)",
    ),
  onBadRow: () =>
    new Option(
      '--on-bad-row <policy>',
      'csv:DIR rows that break the rules: skip (drop and count them per file) | fail (stop, write nothing)',
    ).default('skip'),
  replace: () =>
    new Option(
      '--replace',
      "drop lake bars the source no longer has (the fetched symbols' bars in the range become exactly what it delivered); default: keep them and name them",
    ),
  fetchTimeout: () =>
    new Option(
      '--fetch-timeout <seconds>',
      'give up the whole fetch after this long (nothing is written to the lake); default: no limit',
    ),
  /** On commands that read the lake: no default, the lake's first/last bar of the list stands in. */
  lakeStart: (dflt = "the list's first bar in the lake") =>
    new Option('--start <date>', `first date, YYYY-MM-DD (default: ${dflt})`),
  lakeEnd: (dflt = "the list's last bar in the lake") =>
    new Option('--end <date>', `last date, YYYY-MM-DD (default: ${dflt})`),
  workdir: () => new Option('--workdir <dir>', 'workspace holding the local lake (default: $BF_HOME or .bf)'),
  out: () =>
    new Option(
      '--out <dir>',
      'also write the output files (CSV, JSON, SVG, HTML) to this directory',
    ).argParser(parseOutDir),
  engine: () =>
    new Option('--engine <engine>', 'duckdb (embedded; also --engine embedded) | spark (the stack)').default(
      'duckdb',
    ),
  json: () => new Option('--json', 'print the result as JSON on stdout'),
  project: () =>
    new Option(
      '--project <name>',
      'Compose project of the stack the Spark engine uses (default: $BF_PROJECT or bf)',
    ),
  local: () => new Option('--local', 'the stack runs the locally built images (same as BF_LOCAL_IMAGES=1)'),
  quiet: () => new Option('-q, --quiet', 'no progress or stage messages'),
  full: () =>
    new Option(
      '--full',
      'recompute all history (by default only what the bars changed since the stored run of the same list and range)',
    ),
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDate(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  if (!ISO_DATE.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

export function parseEngine(value: string): EngineName {
  const engine = engineNamed(value);
  if (engine) return engine;
  throw new UsageError(`--engine must be one of ${engineChoices()}, got "${value}"`);
}

export function parseSignals(value: string | undefined): SignalName[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(SIGNAL_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`unknown signal "${n}"`, `valid signals: ${SIGNAL_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0) throw new UsageError('--signal needs at least one signal name');
  return names as SignalName[];
}

export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  }
  return n;
}

/** `--fetch-timeout` in seconds (fractions allowed) → milliseconds. */
export function parseSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got "${value}"`);
  }
  return Math.round(n * 1000);
}

/** `--out` names a directory: an existing file there (or on the way there) is refused before any work starts. */
export function parseOutDir(value: string): string {
  for (let p = resolve(value); ; p = dirname(p)) {
    const kind = pathKind(p);
    if (kind === 'dir') return value;
    if (kind === 'other') {
      throw new UsageError(
        p === resolve(value)
          ? `--out ${value} is an existing file, not a directory`
          : `--out ${value} cannot be created: ${p} is a file, not a directory`,
        'give --out a directory (it is created when missing); the output files are written inside it',
      );
    }
    if (dirname(p) === p) return value;
  }
}

function pathKind(p: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

/** Today's date in UTC, the calendar the bars are dated in. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function checkRange(start: string | undefined, end: string | undefined, today = todayUtc()): void {
  if (start && end && start > end) throw new UsageError(`--start ${start} is after --end ${end}`);
  // A future date has no bars yet: silently accepting it would suggest data through a date that has not happened.
  for (const [flag, date] of [
    ['--start', start],
    ['--end', end],
  ] as const) {
    if (date && date > today) {
      throw new UsageError(
        `${flag} ${date} is in the future (today is ${today} UTC)`,
        flag === '--end' ? 'leave --end out to end today' : 'give a --start on or before today',
      );
    }
  }
}

/** The stack the Spark engine and the publisher talk to, from --project / --local. */
export function stackFlags(flags: { project?: string; local?: boolean }): {
  project?: string;
  local?: boolean;
} {
  return { project: flags.project, local: flags.local ? true : undefined };
}
