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

  it('prints what Intl.NumberFormat (en-US, no grouping, at most 10 decimals) prints, on 100,000 doubles', () => {
    const intl = new Intl.NumberFormat('en-US', {
      useGrouping: false,
      maximumFractionDigits: 10,
    });
    const reference = (v: number) => {
      if (!Number.isFinite(v)) return '';
      if (Number.isSafeInteger(v)) return String(v);
      const t = intl.format(v);
      return t === '-0' ? '0' : t;
    };
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    const cases: number[] = [
      5e-11,
      -5e-11,
      4.9999999999e-11,
      9.5e-11,
      0.99999999995,
      9.99999999995,
      -9.99999999995,
      999.99999999995,
      5e-324,
      Number.MAX_VALUE,
      2 ** 53 + 2,
      -(2 ** 60),
      1.5e-7,
      123456.0000500005,
      0.00000000015,
    ];
    for (let i = 0; i < 100_000; i++) {
      const sign = rand() < 0.5 ? -1 : 1;
      switch (i % 7) {
        case 0: // every bit pattern: all magnitudes, exponent forms both ways
          words[0] = (rand() * 2 ** 32) >>> 0;
          words[1] = (rand() * 2 ** 32) >>> 0;
          cases.push(bits[0]!);
          break;
        case 1: // ratios and EMAs as breadth has them
          cases.push(sign * rand() * 3);
          break;
        case 2: // any decade from 1e-20 to 1e20
          cases.push(sign * rand() * 10 ** Math.floor(rand() * 40 - 20));
          break;
        case 3: // a decimal tie at the 11th place
          cases.push(sign * (Math.round(rand() * 1e8) / 1e4 + 0.00000000005));
          break;
        case 4: // ties and near ties that carry through the 9s into the whole part
          cases.push(sign * (Math.floor(rand() * 1000) + 0.99999999995 + (rand() - 0.5) * 2e-11));
          break;
        case 5: // around the smallest printed unit
          cases.push(sign * Math.round(rand() * 1e7) * 1e-17);
          break;
        default: // binary fractions (exact ties in binary)
          cases.push(sign * ((Math.floor(rand() * 1e6) * 2 + 1) / 2 ** 11));
      }
    }
    const differ = cases.filter((v) => formatCsvNumber(v) !== reference(v));
    expect(differ.slice(0, 5).map((v) => [v, formatCsvNumber(v), reference(v)])).toEqual([]);
  }, 60_000);
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
    const row = {
      ...second!,
      adRatio: 0.615,
      zweigEma: null,
      fracAboveSma50: null,
      ewReturn: -0.0125,
    };
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
