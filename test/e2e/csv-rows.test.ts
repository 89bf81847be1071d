import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CsvMarket, writeCsvMarket } from '../../bench/csv-market.ts';
import { runBf } from '../support/run-bf.ts';

// Every case is a real CSV directory read by `bf` as a child process on the embedded engine (DuckDB reads the
// files itself there), judged by exit code, messages and what reached the lake.

interface Case {
  dir: string;
  market: CsvMarket;
  list: string;
  workdir: string;
}

/** Three symbols × 2 years of Yahoo CSVs; `edit` rewrites S00001.csv's lines (index 0 is the header). */
function csvCase(edit?: (lines: string[]) => void): Case {
  const dir = mkdtempSync(join(tmpdir(), 'bf-csv-rows-'));
  const market = writeCsvMarket(join(dir, 'csv'), { symbols: 3, years: 2, seed: 7 });
  if (edit) {
    const path = join(market.dir, 'S00001.csv');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    edit(lines);
    writeFileSync(path, `${lines.join('\n')}\n`);
  }
  const list = join(dir, 'list.txt');
  writeFileSync(list, `${market.symbols.join('\n')}\n`);
  return { dir, market, list, workdir: join(dir, 'wd') };
}

function fetch(c: Case, ...extra: string[]) {
  return runBf([
    'data',
    'fetch',
    '--symbol-list',
    c.list,
    '--source',
    `csv:${c.market.dir}`,
    '--workdir',
    c.workdir,
    '--json',
    ...extra,
  ]);
}

const file = (c: Case) => join(c.market.dir, 'S00001.csv');
const dateOf = (line: string) => line.split(',')[0]!;
const withAdjClose = (line: string, v: string) => {
  const cells = line.split(',');
  cells[5] = v;
  return cells.join(',');
};

describe('csv:DIR rows are checked as they are read; a bad row names its file, line and what is wrong', () => {
  const badRowCases: [string, (lines: string[]) => void, RegExp][] = [
    [
      'a malformed date (2020-1-5)',
      (l) => {
        l[5] = `2006-1-5${l[5]!.slice(10)}`;
      },
      /line 6: date "2006-1-5" is not a calendar date YYYY-MM-DD/,
    ],
    [
      'an impossible date (2020-02-30)',
      (l) => {
        l[5] = `2006-02-30${l[5]!.slice(10)}`;
      },
      /line 6: date "2006-02-30" is not a calendar date/,
    ],
    [
      'a date the engine could read as infinity',
      (l) => {
        l[5] = `infinity${l[5]!.slice(10)}`;
      },
      /line 6: date "infinity" is not a calendar date/,
    ],
    [
      'a zero adjusted close',
      (l) => {
        l[5] = withAdjClose(l[5]!, '0');
      },
      /line 6: adj close 0 is not positive/,
    ],
    [
      'a negative close',
      (l) => {
        l[5] = l[5]!
          .split(',')
          .map((c, i) => (i === 4 ? '-3.5' : c))
          .join(',');
      },
      /line 6: close -3.5 is not positive/,
    ],
    [
      'a non-numeric price',
      (l) => {
        l[5] = withAdjClose(l[5]!, 'abc');
      },
      /line 6: adj close "abc" is not a number/,
    ],
    [
      'a row with too few fields',
      (l) => {
        l[5] = '2006-01-05,1,2';
      },
      /line 6: expected 7 fields, found 3/,
    ],
    [
      'a row with too many fields',
      (l) => {
        l[5] = `${l[5]},9`;
      },
      /line 6: expected 7 fields, found 8/,
    ],
  ];
  for (const [name, edit, message] of badRowCases) {
    it(`skips and counts ${name} by default, naming it`, async () => {
      const c = csvCase(edit);
      const r = await fetch(c);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${file(c)}: 1 bad row(s): `);
      expect(r.stderr).toMatch(message);
      const out = JSON.parse(r.stdout);
      expect(out.bad_rows).toBe(1);
      expect(out.bars).toBe(c.market.rows - 1 - nullRows(c));
    });
  }

  it('reads cells with spaces (also no-break spaces) around them, ignores blank and space-only lines, and takes CRLF line ends, as the JavaScript rules do', async () => {
    let spaced = '';
    const c = csvCase((l) => {
      spaced = l[5]!;
      l[5] = ` ${l[5]!.split(',').join(' , ')} `;
      l[6] = l[6]!.split(',').join('\u00a0,\u00a0'); // no-break spaces: Unicode spaces are trimmed too
      l.splice(8, 0, '', '   ', '\u00a0'.repeat(12));
    });
    const crlf = join(c.market.dir, 'S00002.csv');
    writeFileSync(crlf, readFileSync(crlf, 'utf8').replaceAll('\n', '\r\n'));
    const r = await fetch(c);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.bad_rows).toBe(0);
    expect(out.bars).toBe(c.market.rows - nullRows(c));
    // The spaced row reached the lake with its values.
    const [date, , , , close, adj] = spaced.split(',');
    const shown = await runBf([
      'lake',
      'show',
      'prices',
      '--workdir',
      c.workdir,
      '--where',
      `symbol = 'S00001' AND date = DATE '${date}'`,
      '--json',
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    const row = JSON.parse(shown.stdout).rows[0]; // bf.lake.show/v1
    expect([row.close, row.adj_close]).toEqual([Number(close), Number(adj)]);
  });

  it('names both lines of a date that appears twice and keeps neither (no silent last-wins)', async () => {
    let repeated = '';
    const c = csvCase((l) => {
      repeated = dateOf(l[10]!);
      l[11] = withAdjClose(l[10]!, '999.5'); // same date, a different price
    });
    const r = await fetch(c);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`line 11: date ${repeated} is on lines 11 and 12`);
    expect(JSON.parse(r.stdout).bad_rows).toBe(2);
    // Neither price reached the lake: the pipeline over it sees no bar for S00001 that day.
    const show = await runBf([
      'signals',
      'generate',
      '--symbol-list',
      c.list,
      '--workdir',
      c.workdir,
      '--out',
      join(c.dir, 'out'),
    ]);
    expect(show.code, show.stderr).toBe(0);
    const day = readFileSync(join(c.dir, 'out', 'breadth.csv'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${repeated},`))!;
    const header = readFileSync(join(c.dir, 'out', 'breadth.csv'), 'utf8')
      .split('\n')[0]!
      .split(',');
    const others = ['S00000', 'S00002'].filter((s) =>
      readFileSync(join(c.market.dir, `${s}.csv`), 'utf8').includes(`\n${repeated},`),
    ).length;
    expect(Number(day.split(',')[header.indexOf('issues')])).toBe(others);
  });

  it('stores an adjusted close of 1e12 nowhere: named as beyond the lake range, and the pipeline runs to the end', async () => {
    const c = csvCase((l) => {
      l[30] = withAdjClose(l[30]!, '1000000000000');
    });
    const r = await runBf([
      'pipeline',
      'run',
      '--symbol-list',
      c.list,
      '--source',
      `csv:${c.market.dir}`,
      '--workdir',
      c.workdir,
      '--out',
      join(c.dir, 'out'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/line 31: adj close 1000000000000 is beyond the lake's price range/);
    // A later run over the same workdir works too (nothing unreadable was stored).
    const again = await runBf(['signals', 'generate', '--symbol-list', c.list, '--workdir', c.workdir]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('--on-bad-row fail stops with exit 2 naming file and line, and writes nothing to the lake', async () => {
    const c = csvCase((l) => {
      l[5] = `2006-02-30${l[5]!.slice(10)}`;
    });
    const r = await fetch(c, '--on-bad-row', 'fail');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`1 file(s) have bad rows; nothing was written to the lake`);
    expect(r.stderr).toContain(`${file(c)}: 1 bad row(s): line 6: date "2006-02-30" is not a calendar date`);
    expect(existsSync(join(c.workdir, 'lake', 'prices'))).toBe(false);
  });

  it('rejects an unknown --on-bad-row before any work', async () => {
    const c = csvCase();
    const r = await fetch(c, '--on-bad-row', 'ignore');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--on-bad-row must be one of skip, fail, got "ignore"');
  });

  it('sorts rows given in any order: a shuffled file gives the same breadth as the sorted one', async () => {
    const sorted = csvCase();
    const shuffled = csvCase((l) => {
      const body = l.splice(1);
      body.reverse();
      l.push(...body.slice(0, 100).reverse(), ...body.slice(100));
    });
    const outs: string[] = [];
    for (const c of [sorted, shuffled]) {
      const r = await runBf([
        'pipeline',
        'run',
        '--symbol-list',
        c.list,
        '--source',
        `csv:${c.market.dir}`,
        '--workdir',
        c.workdir,
        '--out',
        join(c.dir, 'out'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      outs.push(readFileSync(join(c.dir, 'out', 'breadth.csv'), 'utf8'));
    }
    expect(outs[1]).toBe(outs[0]);
  });

  it('skips a UTF-16 file by name and goes on with the others', async () => {
    const c = csvCase();
    const text = readFileSync(file(c), 'utf8');
    writeFileSync(file(c), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = await fetch(c);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`S00001 failed: ${file(c)} is UTF-16 text; save it as UTF-8`);
    expect(JSON.parse(r.stdout).failures).toEqual([
      { symbol: 'S00001', reason: `${file(c)} is UTF-16 text; save it as UTF-8 (Yahoo's download format)` },
    ]);
  });

  it('escapes control characters of a bad header', async () => {
    const c = csvCase((l) => {
      l[0] = 'Date,\u001b[31mOpen';
    });
    const r = await fetch(c);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('has header "Date,\\x1b[31mOpen"');
  });
});

describe('the date range follows the source', () => {
  it('csv:DIR without --start/--end uses everything in the files and says which dates, symbols and source', async () => {
    const c = csvCase();
    const r = await fetch(c);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `using ${c.market.start} → ${c.market.end} from csv:${c.market.dir}: 3 symbols`,
    );
    expect(JSON.parse(r.stdout).span).toEqual({ start: c.market.start, end: c.market.end });
  });

  it('--start/--end outside the files give a clear message (exit 2) naming what the files hold', async () => {
    const c = csvCase();
    const r = await fetch(c, '--start', '2015-01-01', '--end', '2015-12-31');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `csv:${c.market.dir} has no bars in 2015-01-01 → 2015-12-31: the files hold ${c.market.start} → ${c.market.end}`,
    );
    expect(existsSync(join(c.workdir, 'lake', 'prices'))).toBe(false);
  });

  it('sample without --start/--end uses its fixed range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-csv-rows-'));
    const r = await runBf(['data', 'fetch', '--source', 'sample', '--workdir', join(dir, 'wd'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('from sample [SYNTHETIC], 2020-01-01 → 2024-12-31');
    expect(JSON.parse(r.stdout).range).toEqual({ start: '2020-01-01', end: '2024-12-31' });
  });
});

/** Null rows the generator wrote into S00001 (they are skipped and counted apart from bad rows). */
function nullRows(c: Case): number {
  let n = 0;
  for (const s of c.market.symbols) {
    n += readFileSync(join(c.market.dir, `${s}.csv`), 'utf8')
      .split('\n')
      .filter((l) => l.includes(',null,')).length;
  }
  return n;
}
