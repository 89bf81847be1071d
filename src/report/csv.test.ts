import { describe, expect, it } from 'vitest';
import {
  BREADTH_COLUMNS,
  breadthCsv,
  csvField,
  FORWARD_RETURN_COLUMNS,
  formatCsvNumber,
  forwardReturnsCsv,
  SIGNAL_COLUMNS,
  signalsCsv,
  TRADE_COLUMNS,
  toCsv,
  tradesCsv,
} from './csv.ts';
import { fixtureBacktest, fixtureBreadth } from './test-fixtures.ts';

/** Minimal RFC 4180 reader, enough to round-trip what we write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) throw new Error('CSV does not end with a newline');
  return rows;
}

describe('formatCsvNumber', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-3.5, '-3.5'],
    [0.1 + 0.2, '0.3'],
    [1 / 3, '0.3333333333'],
    [2 / 3, '0.6666666667'],
    [1e-7, '0.0000001'],
    [1e-12, '0'],
    [-1e-12, '0'],
    [1e21, '1000000000000000000000'],
    [123456.00000000004, '123456'],
    [Number.NaN, ''],
    [Number.POSITIVE_INFINITY, ''],
    [null, ''],
    [undefined, ''],
  ])('%s → %j', (value, expected) => {
    expect(formatCsvNumber(value)).toBe(expected);
  });
});

describe('csvField / toCsv', () => {
  it('quotes only fields that need it and doubles inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('')).toBe('');
  });

  it('round-trips awkward strings through an RFC 4180 reader', () => {
    const cells = ['a,b', 'q"uote', 'multi\nline', '  spaced  ', ''];
    const text = toCsv(
      ['x'],
      cells.map((c) => [c]),
    );
    expect(parseCsv(text).map((r) => r[0])).toEqual(['x', ...cells]);
  });

  it('ends every record with \\n and never emits \\r\\n', () => {
    const text = toCsv(['a', 'b'], [[1, null]]);
    expect(text).toBe('a,b\n1,\n');
  });

  it('rejects a row with the wrong number of cells', () => {
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 cells but the header has 2/);
  });
});

describe('breadthCsv', () => {
  it('writes the header in the contract order and one line per row', () => {
    const rows = fixtureBreadth(60);
    const parsed = parseCsv(breadthCsv(rows));
    expect(parsed[0]).toEqual([...BREADTH_COLUMNS]);
    expect(parsed[0]!.join(',')).toBe(
      'date,advancers,decliners,unchanged,ad_ratio,zweig_ema10,ad_line,mcclellan_osc,frac_above_sma50,frac_above_sma200,new_highs_252,new_lows_252,issues,ew_return',
    );
    expect(parsed).toHaveLength(61);
    expect(parsed.every((r) => r.length === BREADTH_COLUMNS.length)).toBe(true);
  });

  it('maps each field to its column and leaves nulls empty', () => {
    const [, second] = fixtureBreadth(2);
    const row = { ...second!, adRatio: 0.615, zweigEma: null, fracAboveSma50: null, ewReturn: -0.0125 };
    const [, line] = parseCsv(breadthCsv([row]));
    const byName = Object.fromEntries(BREADTH_COLUMNS.map((c, i) => [c, line![i]]));
    expect(byName).toEqual({
      date: row.date,
      advancers: String(row.advancers),
      decliners: String(row.decliners),
      unchanged: String(row.unchanged),
      ad_ratio: '0.615',
      zweig_ema10: '',
      ad_line: String(row.adLine),
      mcclellan_osc: formatCsvNumber(row.mcclellan),
      frac_above_sma50: '',
      frac_above_sma200: '',
      new_highs_252: String(row.newHighs),
      new_lows_252: String(row.newLows),
      issues: String(row.issues),
      ew_return: '-0.0125',
    });
  });
});

describe('signal, trade and forward-return CSVs', () => {
  const zweig = fixtureBacktest('zweig_breadth_thrust', { entries: [10, 100] });
  const deemer = fixtureBacktest('deemer_breadth_thrust', { entries: [50] });

  it('signalsCsv writes date,signal,value', () => {
    const text = signalsCsv([
      { date: '2021-03-04', signal: 'zweig_breadth_thrust', value: 0.6151 },
      { date: '2021-05-06', signal: 'whaley_breadth_thrust', value: 1.97 },
    ]);
    expect(text).toBe(
      `${SIGNAL_COLUMNS.join(',')}\n2021-03-04,zweig_breadth_thrust,0.6151\n2021-05-06,whaley_breadth_thrust,1.97\n`,
    );
  });

  it('tradesCsv lists every trade of every backtest in order', () => {
    const parsed = parseCsv(tradesCsv([zweig, deemer]));
    expect(parsed[0]).toEqual([...TRADE_COLUMNS]);
    expect(parsed.slice(1).map((r) => [r[0], r[1], r[2], r[3]])).toEqual(
      [...zweig.trades, ...deemer.trades].map((t) => [t.signal, t.entryDate, t.exitDate, String(t.days)]),
    );
    expect(Number(parsed[1]![4])).toBeCloseTo(zweig.trades[0]!.return, 10);
  });

  it('forwardReturnsCsv writes one row per signal and horizon', () => {
    const parsed = parseCsv(forwardReturnsCsv([zweig, deemer]));
    expect(parsed[0]).toEqual([...FORWARD_RETURN_COLUMNS]);
    expect(parsed.slice(1).map((r) => `${r[0]}:${r[1]}`)).toEqual([
      ...[5, 21, 63, 126, 252].map((h) => `zweig_breadth_thrust:${h}`),
      ...[5, 21, 63, 126, 252].map((h) => `deemer_breadth_thrust:${h}`),
    ]);
    // 300 fixture days: the 252-day horizon after entry 100 is out of range, so only entry 10 counts.
    expect(parsed.find((r) => r[0] === 'zweig_breadth_thrust' && r[1] === '252')![2]).toBe('1');
    expect(parsed.find((r) => r[0] === 'deemer_breadth_thrust' && r[1] === '252')!.slice(2)).toEqual([
      '0',
      '',
      '',
      '',
    ]);
  });
});
