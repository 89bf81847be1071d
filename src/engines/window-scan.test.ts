import { describe, expect, it } from 'vitest';
import { priceWalk } from '../../test/support/price-walk.ts';
import {
  HIGH_LOW_BARS,
  MAX_EXACT_MICROS,
  type ScanBars,
  scanRefusal,
  WindowScan,
  windowBlock,
} from './window-scan.ts';

/** Bars of symbols 0, 1, … with the given price lists (whole micro-units), on consecutive days. */
function bars(...symbols: number[][]): ScanBars {
  const length = symbols.reduce((a, s) => a + s.length, 0);
  const b: ScanBars = {
    length,
    symbol: new Int32Array(length),
    day: new Int32Array(length),
    adjClose: new Float64Array(length),
    micros: new Float64Array(length),
  };
  let i = 0;
  for (const [code, prices] of symbols.entries()) {
    for (const [d, p] of prices.entries()) {
      b.symbol[i] = code;
      b.day[i] = 1000 + d;
      b.adjClose[i] = p / 1e6;
      b.micros[i] = p;
      i++;
    }
  }
  return b;
}

/** Every window value of `b`, scanned in blocks of the given sizes (cycled). */
function scanAll(b: ScanBars, sizes: number[]): Record<string, number[]> {
  const scan = new WindowScan(b);
  const out: Record<string, number[]> = {};
  for (let k = 0; scan.position < b.length; k++) {
    const size = sizes[k % sizes.length]!;
    const block = windowBlock(size);
    const n = scan.next(size, block);
    for (const [name, values] of Object.entries(block)) {
      out[name] = [...(out[name] ?? []), ...Array.from(values as ArrayLike<number>).slice(0, n)];
    }
  }
  return out;
}

/** The window values by their definitions, one frame at a time (O(n × frame)). */
function naive(prices: number[]): Record<string, number[]> {
  const sum = (from: number, to: number) =>
    prices.slice(Math.max(0, from), to + 1).reduce((a, p) => a + p, 0);
  const frame = (i: number) => prices.slice(Math.max(0, i - HIGH_LOW_BARS), i);
  return {
    prevAdjClose: prices.map((_, i) => (i === 0 ? Number.NaN : prices[i - 1]! / 1e6)),
    barIndex: prices.map((_, i) => i + 1),
    sum50: prices.map((_, i) => sum(i - 49, i)),
    sum200: prices.map((_, i) => sum(i - 199, i)),
    max252: prices.map((_, i) => (i === 0 ? Number.NaN : Math.max(...frame(i)))),
    min252: prices.map((_, i) => (i === 0 ? Number.NaN : Math.min(...frame(i)))),
  };
}

describe('WindowScan: features.sql’s window values in one pass', () => {
  const walks = [1, 49, 50, 51, 200, 252, 253, 254, 600].map((n, s) =>
    priceWalk(s + 1, n).map((p) => Math.round(p * 1e6)),
  );
  // A flat run then a fall: the bar leaving the 252-bar frame ties the max and min.
  walks.push([...Array(300).fill(30_000_000), ...priceWalk(42, 300).map((p) => Math.round(p * 1e6)), 1]);

  it('gives each symbol the values of its own frames, restarting at every symbol', () => {
    const got = scanAll(bars(...walks), [4096]);
    const want: Record<string, number[]> = {};
    for (const w of walks) {
      for (const [name, values] of Object.entries(naive(w))) want[name] = [...(want[name] ?? []), ...values];
    }
    expect(got).toEqual(want);
  });

  it('gives the same values whatever blocks the rows are cut into', () => {
    const b = bars(...walks);
    const whole = scanAll(b, [b.length]);
    expect(scanAll(b, [1, 7, 2048, 251, 3])).toEqual(whole);
  });
});

describe('scanRefusal: bars the scan cannot take', () => {
  it('accepts grouped, dated bars', () => {
    expect(scanRefusal(bars([1, 2, 3], [4, 5]), 2)).toBeNull();
  });

  it('refuses a symbol split in two runs', () => {
    const b = bars([1, 2], [3], [4]);
    b.symbol[3] = 0;
    expect(scanRefusal(b, 3)).toMatch(/not contiguous/);
  });

  it('refuses dates out of order or repeated within a symbol', () => {
    const b = bars([1, 2, 3]);
    b.day[2] = b.day[1]!;
    expect(scanRefusal(b, 1)).toMatch(/date order/);
  });

  it('refuses a price whose 200-bar sums would pass 2^53 micro-units, and a NaN', () => {
    expect(scanRefusal(bars([MAX_EXACT_MICROS]), 1)).toBeNull();
    expect(scanRefusal(bars([MAX_EXACT_MICROS + 1]), 1)).toMatch(/exact sums/);
    expect(scanRefusal(bars([Number.NaN]), 1)).toMatch(/exact sums/);
  });

  it('refuses a symbol code outside the list', () => {
    expect(scanRefusal(bars([1], [2]), 1)).toMatch(/out of range/);
  });
});
