import { escapeControl } from '../../lake/browse/checks.ts';
import { leftoverNote } from '../../lake/browse/leftovers.ts';
import type {
  Cell,
  HistoryEntry,
  LakeBrowser,
  Leftover,
  ShowResult,
  TableSummary,
  VerifyReport,
} from '../../lake/browse/types.ts';
import { toCsv } from '../../report/csv.ts';

/** Plain-text renderings of `bf lake` results (stdout without --json). Cells are control-character escaped. */

export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: boolean[] = [],
) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
const engineLabel = (b: Pick<LakeBrowser, 'engine'>) =>
  b.engine === 'spark' ? 'Delta on the S3 store' : 'embedded Parquet';

export function formatList(
  b: Pick<LakeBrowser, 'engine' | 'location'>,
  tables: readonly TableSummary[],
): string {
  const rows = tables.map((t) => [
    t.table,
    String(t.rows),
    String(t.files),
    formatBytes(t.bytes),
    when(t.lastWrite),
    t.version === null ? '-' : String(t.version),
    escapeControl(t.source ?? '-'),
    t.synthetic === null ? '-' : t.synthetic ? 'SYNTHETIC' : 'no',
  ]);
  const lines = [
    `lake ${b.location} (${engineLabel(b)})`,
    textTable(['table', 'rows', 'files', 'size', 'last write', 'version', 'source', 'synthetic'], rows, [
      false,
      true,
      true,
      true,
      false,
      true,
    ]),
  ];
  const prices = tables.find((t) => t.table === 'prices');
  if (prices?.symbols) {
    const range = prices.dateRange ? `${prices.dateRange.first} to ${prices.dateRange.last}` : 'no dates';
    const shown = prices.symbols.slice(0, 12).join(' ');
    const more = prices.symbols.length > 12 ? ` … (+${prices.symbols.length - 12})` : '';
    lines.push(`prices: ${prices.symbols.length} symbols, ${range}: ${escapeControl(shown)}${more}`);
  }
  return lines.join('\n');
}

const cellText = (v: Cell) => (v === null ? 'NULL' : escapeControl(String(v)));

export function formatRows(r: ShowResult): string {
  const numeric = r.columns.map((c) => /INT|DOUBLE|FLOAT|DECIMAL/.test(c.type));
  const body = textTable(
    r.columns.map((c) => c.name),
    r.rows.map((row) => r.columns.map((c) => cellText(row[c.name] ?? null))),
    numeric,
  );
  return `${body}\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`;
}

export function rowsCsv(r: ShowResult): string {
  return toCsv(
    r.columns.map((c) => c.name),
    r.rows.map((row) =>
      r.columns.map((c) => {
        const v = row[c.name] ?? null;
        return typeof v === 'boolean' ? String(v) : v;
      }),
    ),
  );
}

export function formatHistory(
  b: Pick<LakeBrowser, 'engine' | 'location'>,
  table: string,
  history: readonly HistoryEntry[],
): string {
  const metrics = (m: Record<string, string>) =>
    Object.entries(m)
      .filter(([k]) =>
        /^num(OutputRows|TargetRows(Inserted|Updated|Deleted)|Files|AddedFiles|RemovedFiles)$/.test(k),
      )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  const rows = history.map((h) => [
    h.version === null ? '-' : String(h.version),
    when(h.timestamp),
    escapeControl(h.operation),
    h.rows === null ? '-' : String(h.rows),
    h.files === null ? '-' : String(h.files),
    escapeControl(metrics(h.metrics)),
  ]);
  const note = b.engine === 'duckdb' ? '\n(the embedded lake keeps only the current version of a table)' : '';
  return `${table} in ${b.location} (${engineLabel(b)})\n${textTable(
    ['version', 'time', 'operation', 'rows', 'files', 'metrics'],
    rows,
    [true, false, false, true, true],
  )}${note}`;
}

export function formatVerify(r: VerifyReport): string {
  const rows = r.tables.map((t) => [
    t.problem ? 'FAIL' : 'ok',
    t.table,
    String(t.rows),
    String(t.files),
    escapeControl(t.problem ?? ''),
  ]);
  const verdict = r.firstProblem
    ? `lake ${r.location}: ${r.tables.filter((t) => t.problem).length} of ${r.tables.length} tables have problems`
    : `lake ${r.location}: ${r.tables.length} tables read in full, all consistent with their metadata`;
  const tables = textTable(['check', 'table', 'rows', 'files', 'problem'], rows, [false, false, true, true]);
  return `${tables}\n${verdict}${r.leftovers.length ? `\n\n${formatLeftovers(r.leftovers)}` : ''}`;
}

/** The leftovers of interrupted runs: one row each, then what each kind is and what removes it. */
export function formatLeftovers(leftovers: readonly Leftover[]): string {
  const rows = leftovers.map((l) => [
    l.kind,
    escapeControl(l.location),
    escapeControl(l.run ?? '-'),
    String(l.objects),
    formatBytes(l.bytes),
    l.ageMs === null ? '-' : formatAge(l.ageMs),
  ]);
  const kinds = [...new Set(leftovers.map((l) => l.kind))];
  return [
    'left by interrupted runs (not part of any table; the tables are checked above):',
    textTable(['leftover', 'where', 'run', 'objects', 'size', 'age'], rows, [
      false,
      false,
      false,
      true,
      true,
      true,
    ]),
    ...kinds.map((k) => `${k}: ${leftoverNote(k)}`),
  ].join('\n');
}

/** A short warning line for stderr (the listing itself is in the output). */
export function leftoversWarning(r: VerifyReport): string | null {
  if (r.leftovers.length === 0) return null;
  const bytes = r.leftovers.reduce((sum, l) => sum + l.bytes, 0);
  const kinds = [...new Set(r.leftovers.map((l) => l.kind))].join(', ');
  return `lake at ${r.location}: ${r.leftovers.length} leftover(s) of interrupted runs (${kinds}; ${formatBytes(bytes)}) beside the tables; they are no part of any table, so verify does not fail for them`;
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
