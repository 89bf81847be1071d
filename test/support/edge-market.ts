/**
 * Yahoo-format CSV directories with the cases real histories have, each with the bars a reader must take from it
 * (`truth`, for test/support/breadth-reference.ts) or the refusal it must give. One case = a few plain symbols (a
 * market for breadth) plus the case's own file(s).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RefBar } from './breadth-reference.ts';

export const HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';

/** Business days (Mon–Fri) from 2022-01-03: `n` of them. */
export function edgeDays(n: number): string[] {
  const days: string[] = [];
  for (let t = Date.parse('2022-01-03T00:00:00Z'); days.length < n; t += 86_400_000) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** A deterministic walk of `n` adj closes from `start`, rounded to `decimals` (ties between days happen). */
export function walk(seed: number, n: number, start: number, step = 0.01, decimals = 2): number[] {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: number[] = [];
  let p = start;
  for (let i = 0; i < n; i++) {
    p *= 1 + (u() - 0.5) * 2 * step;
    out.push(Number(p.toFixed(decimals)));
  }
  return out;
}

/** A Yahoo row: open/high/low around the close, `adj` as given. */
export function row(date: string, close: number, adj: number, volume: number | string = 1000): string {
  const f = (v: number) => v.toFixed(6);
  return `${date},${f(close)},${f(close * 1.01)},${f(close * 0.99)},${f(close)},${f(adj)},${volume}`;
}

export interface EdgeCase {
  name: string;
  /** File name → content. */
  files: Record<string, string | Buffer>;
  /** Lines of the symbol list. */
  list: string[];
  /** The bars bf must read, per symbol (upper case) — what the reference is computed from. */
  truth: Map<string, RefBar[]>;
  /**
   * `agree`: exit 0 and breadth equal to the reference's; `fail`: a non-zero exit naming `names` (file, line);
   * `skip`: exit 0, the symbol skipped by name (`names`), breadth over the rest equal to the reference.
   */
  expect: 'agree' | 'fail' | 'skip';
  names?: RegExp;
  /** Extra flags for data fetch. */
  flags?: string[];
}

const DAYS = edgeDays(300);
const BASE = ['BASEA', 'BASEB', 'BASEC'];

/** A plain file of `dates` × `adj` (close = adj). */
function plainFile(dates: readonly string[], adj: readonly number[]): string {
  return `${HEADER}\n${dates.map((d, i) => row(d, adj[i]!, adj[i]!)).join('\n')}\n`;
}

function bars(dates: readonly string[], adj: readonly number[]): RefBar[] {
  return dates.map((date, i) => ({ date, adjClose: adj[i]! }));
}

/** The market every case sits in: three plain symbols over all DAYS. */
function base(): { files: Record<string, string>; truth: Map<string, RefBar[]> } {
  const files: Record<string, string> = {};
  const truth = new Map<string, RefBar[]>();
  BASE.forEach((s, k) => {
    const adj = walk(11 + k, DAYS.length, 50 + 10 * k);
    files[`${s}.csv`] = plainFile(DAYS, adj);
    truth.set(s, bars(DAYS, adj));
  });
  return { files, truth };
}

/** A case with one extra symbol `sym` whose file is `content` and whose bars are `truth` (none: not in the truth). */
function one(
  name: string,
  sym: string,
  content: string | Buffer,
  truth: RefBar[] | null,
  expect: EdgeCase['expect'] = 'agree',
  extra: Partial<EdgeCase> = {},
): EdgeCase {
  const b = base();
  const c: EdgeCase = {
    name,
    files: { ...b.files, [`${sym}.csv`]: content },
    list: [...BASE, sym],
    truth: b.truth,
    expect,
    ...extra,
  };
  if (truth) c.truth.set(sym.toUpperCase(), truth);
  return c;
}

export function edgeCases(): EdgeCase[] {
  const adj = walk(99, DAYS.length, 30);
  const lines = DAYS.map((d, i) => row(d, adj[i]!, adj[i]!));
  const full = bars(DAYS, adj);
  const text = (ls: readonly string[], header = HEADER) => `${header}\n${ls.join('\n')}\n`;
  const without = (drop: (i: number) => boolean) => full.filter((_, i) => !drop(i));
  const cases: EdgeCase[] = [];

  // Yahoo's "null" rows: the day is absent for that symbol.
  const nulls = new Set([5, 77, 78, 260]);
  cases.push(
    one(
      'null rows',
      'NULLS',
      text(lines.map((l, i) => (nulls.has(i) ? `${DAYS[i]},null,null,null,null,null,null` : l))),
      without((i) => nulls.has(i)),
    ),
  );
  // Zero and empty volume (an index, a suspended day): still bars.
  cases.push(
    one(
      'zero and absent volume',
      'NOVOL',
      text(DAYS.map((d, i) => row(d, adj[i]!, adj[i]!, i % 3 === 0 ? 0 : i % 3 === 1 ? '' : 'null'))),
      full,
    ),
  );
  // A halt: 15 days missing for one symbol, the next bar compares across the gap.
  const halt = (i: number) => i >= 100 && i < 115;
  cases.push(one('a halt', 'HALT', text(lines.filter((_, i) => !halt(i))), without(halt)));
  // A listing mid-history and a delisting.
  cases.push(one('a listing mid-history', 'LATE', text(lines.slice(150)), full.slice(150)));
  cases.push(one('a delisting', 'GONE', text(lines.slice(0, 180)), full.slice(0, 180)));
  // Split-adjusted: Close halves at a 2:1 split on day 120, Adj Close is continuous (and differs by a dividend).
  cases.push(
    one(
      'split/dividend-adjusted (Adj Close != Close)',
      'ADJ',
      text(DAYS.map((d, i) => row(d, i < 120 ? adj[i]! * 2 : adj[i]!, adj[i]! * 0.97))),
      DAYS.map((date, i) => ({ date, adjClose: Number((adj[i]! * 0.97).toFixed(6)) })),
    ),
  );
  // Ties at a 252-day high and low, and equal closes (unchanged) in a row.
  const tie = DAYS.map((_, i) => (i < 253 ? 10 + (i % 7) * 0.5 : i % 2 === 0 ? 13 : 10));
  tie[253] = 13; // = the max of the previous 252: not a new high
  tie[254] = 10; // = the min: not a new low
  tie[255] = 13.000001; // a millionth above: a new high
  tie[256] = 9.999999; // a millionth below: a new low
  tie[257] = 9.999999; // unchanged
  tie[258] = 9.999999; // unchanged
  cases.push(
    one('ties at a 252-day high/low and equal closes', 'TIE', plainFile(DAYS, tie), bars(DAYS, tie)),
  );
  // Tiny and very large prices.
  const tiny = walk(7, DAYS.length, 0.0005, 0.05, 6);
  cases.push(one('tiny prices (sub-cent, 6 decimals)', 'TINY', plainFile(DAYS, tiny), bars(DAYS, tiny)));
  const huge = walk(8, DAYS.length, 4e11, 0.01, 2);
  cases.push(one('very large prices (4e11)', 'HUGE', plainFile(DAYS, huge), bars(DAYS, huge)));
  // Yahoo symbols.
  for (const s of ['BRK-B', 'BF.B', '^GSPC']) cases.push(one(`symbol ${s}`, s, text(lines), full));
  cases.push({
    ...one('a lowercase symbol in the list, its file upper case', 'LOWER', text(lines), full),
    list: [...BASE, 'lower'],
  });
  cases.push({
    ...one('a lowercase symbol in the list and its file name', 'lowfile', text(lines), full),
    list: [...BASE, 'lowfile'],
  });
  // Line ends and encodings.
  cases.push(one('CRLF line endings', 'CRLF', text(lines).replaceAll('\n', '\r\n'), full));
  cases.push(one('a UTF-8 BOM', 'BOM', `\uFEFF${text(lines)}`, full));
  cases.push(one('a trailing blank line', 'BLANKEND', `${text(lines)}\n`, full));
  cases.push(one('no trailing newline', 'NOEOL', text(lines).trimEnd(), full));
  // Headers.
  const reorder = (l: string) => {
    const [d, o, h, lo, c, a, v] = l.split(',');
    return [d, c, a, h, lo, o, v].join(',');
  };
  cases.push(
    one(
      'header in another column order',
      'ORDER',
      text(lines.map(reorder), 'Date,Close,Adj Close,High,Low,Open,Volume'),
      full,
    ),
  );
  cases.push(
    one(
      'header with extra columns (Dividends, Stock Splits)',
      'EXTRA',
      text(
        lines.map((l) => `${l},0,0`),
        `${HEADER},Dividends,Stock Splits`,
      ),
      full,
    ),
  );
  // Rows.
  const dupSame = [...lines.slice(0, 60), lines[59]!, ...lines.slice(60)];
  cases.push(one('a duplicate date, both rows identical', 'DUPSAME', text(dupSame), full));
  const dupDiff = [...lines.slice(0, 60), row(DAYS[59]!, 99, 99), ...lines.slice(60)];
  cases.push(
    one(
      'a duplicate date with different values',
      'DUPDIFF',
      text(dupDiff),
      without((i) => i === 59),
      'agree',
      {
        // Which row is right cannot be known: both are dropped and named (default --on-bad-row skip).
      },
    ),
  );
  cases.push(
    one('a duplicate date with different values, --on-bad-row fail', 'DUPFAIL', text(dupDiff), null, 'fail', {
      flags: ['--on-bad-row', 'fail'],
      names: /DUPFAIL\.csv.*line (61|62)/,
    }),
  );
  const shuffled = [...lines].reverse();
  [shuffled[3], shuffled[200]] = [shuffled[200]!, shuffled[3]!];
  cases.push(one('dates out of order', 'SHUF', text(shuffled), full));
  // Short histories.
  cases.push(one('fewer than 50 bars', 'SHORT40', text(lines.slice(-40)), full.slice(-40)));
  cases.push(one('fewer than 200 bars', 'SHORT150', text(lines.slice(-150)), full.slice(-150)));
  cases.push(
    one(
      'fewer than 252 bars (252 exactly: no 252-day high yet)',
      'SHORT252',
      text(lines.slice(-252)),
      full.slice(-252),
    ),
  );
  cases.push(
    one('253 bars: the first 252-day high/low day', 'BARS253', text(lines.slice(-253)), full.slice(-253)),
  );
  cases.push(one('a single-row file', 'ONEROW', text(lines.slice(100, 101)), full.slice(100, 101)));
  // Files with no bars: the symbol is skipped by name, the run goes on.
  cases.push(one('an empty file', 'EMPTY', '', null, 'skip', { names: /EMPTY\.csv is empty \(0 bytes\)/ }));
  cases.push(
    one('a file with only a header', 'HDRONLY', `${HEADER}\n`, null, 'skip', {
      names: /no bars in \S*HDRONLY\.csv/,
    }),
  );
  cases.push(
    one('a missing file', 'MISSING', '', null, 'skip', {
      names: /file not found: \S*MISSING\.csv/,
      files: base().files,
    }),
  );
  return cases;
}

/** Writes a case's files into `dir/csv` and its list into `dir/list.txt`. */
export function writeEdgeCase(dir: string, c: EdgeCase): { csv: string; list: string } {
  const csv = join(dir, 'csv');
  mkdirSync(csv, { recursive: true });
  for (const [name, content] of Object.entries(c.files)) writeFileSync(join(csv, name), content);
  const list = join(dir, 'list.txt');
  writeFileSync(list, `${c.list.join('\n')}\n`);
  return { csv, list };
}
