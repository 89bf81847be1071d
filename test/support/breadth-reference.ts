/**
 * An independent reference for the per-day breadth, written from README "Breadth and signal conventions" alone (no
 * SQL, no code of src/): the answers bf's breadth.csv must give for a set of bars. Exact where the README says exact:
 * the SMA and 252-day comparisons are over adj closes rounded to 1e-6, done here on integers (millionths).
 */

/** One accepted bar: what a source's row means once read. */
export interface RefBar {
  date: string;
  adjClose: number;
}

export interface RefDay {
  date: string;
  advancers: number;
  decliners: number;
  unchanged: number;
  issues: number;
  /** above / with a defined SMA, null when no symbol has one. */
  fracAboveSma50: number | null;
  fracAboveSma200: number | null;
  newHighs: number;
  newLows: number;
  /** Mean of the one-bar returns of the day, null when none. */
  ewReturn: number | null;
}

/** The adj close in millionths, rounded half away from zero (a DECIMAL(18,6) cast). */
function micros(p: number): bigint {
  // toFixed(6) rounds the double's exact binary value, half away from zero: what a decimal cast does.
  return BigInt(p.toFixed(6).replace('.', ''));
}

/** Per-day breadth of `bars` (symbol → its bars, any order, one per date). */
export function referenceBreadth(bars: ReadonlyMap<string, readonly RefBar[]>): RefDay[] {
  const days = new Map<
    string,
    RefDay & { above50: number; with50: number; above200: number; with200: number; rets: number[] }
  >();
  const day = (date: string) => {
    let d = days.get(date);
    if (!d) {
      d = {
        date,
        advancers: 0,
        decliners: 0,
        unchanged: 0,
        issues: 0,
        fracAboveSma50: null,
        fracAboveSma200: null,
        newHighs: 0,
        newLows: 0,
        ewReturn: null,
        above50: 0,
        with50: 0,
        above200: 0,
        with200: 0,
        rets: [],
      };
      days.set(date, d);
    }
    return d;
  };
  for (const series of bars.values()) {
    const sorted = [...series].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const m = sorted.map((b) => micros(b.adjClose));
    sorted.forEach((bar, i) => {
      const d = day(bar.date);
      d.issues++;
      if (i > 0) {
        const prev = sorted[i - 1]!.adjClose;
        if (bar.adjClose > prev) d.advancers++;
        else if (bar.adjClose < prev) d.decliners++;
        else d.unchanged++;
        d.rets.push(bar.adjClose / prev - 1);
      }
      for (const [n, key] of [
        [50, '50'],
        [200, '200'],
      ] as const) {
        if (i + 1 < n) continue;
        let sum = 0n;
        for (let k = i - n + 1; k <= i; k++) sum += m[k]!;
        if (key === '50') {
          d.with50++;
          if (m[i]! * 50n > sum) d.above50++;
        } else {
          d.with200++;
          if (m[i]! * 200n > sum) d.above200++;
        }
      }
      if (i >= 252) {
        let max = m[i - 252]!;
        let min = max;
        for (let k = i - 252; k < i; k++) {
          if (m[k]! > max) max = m[k]!;
          if (m[k]! < min) min = m[k]!;
        }
        if (m[i]! > max) d.newHighs++;
        if (m[i]! < min) d.newLows++;
      }
    });
  }
  return [...days.values()]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .map(({ above50, with50, above200, with200, rets, ...d }) => ({
      ...d,
      fracAboveSma50: with50 > 0 ? above50 / with50 : null,
      fracAboveSma200: with200 > 0 ? above200 / with200 : null,
      ewReturn: rets.length > 0 ? rets.reduce((s, r) => s + r, 0) / rets.length : null,
    }));
}

/** breadth.csv (bf's output) read back into RefDay rows. */
export function readBreadthCsv(text: string): RefDay[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.split(',');
  const at = (cells: string[], name: string) => cells[cols.indexOf(name)]!;
  const numOrNull = (s: string) => (s === '' ? null : Number(s));
  return lines.map((line) => {
    const c = line.split(',');
    return {
      date: at(c, 'date'),
      advancers: Number(at(c, 'advancers')),
      decliners: Number(at(c, 'decliners')),
      unchanged: Number(at(c, 'unchanged')),
      issues: Number(at(c, 'issues')),
      fracAboveSma50: numOrNull(at(c, 'frac_above_sma50')),
      fracAboveSma200: numOrNull(at(c, 'frac_above_sma200')),
      newHighs: Number(at(c, 'new_highs_252')),
      newLows: Number(at(c, 'new_lows_252')),
      ewReturn: numOrNull(at(c, 'ew_return')),
    };
  });
}

/**
 * The first differences between bf's days and the reference's, as readable lines (empty when they agree): counts
 * exactly, fractions and returns within 1e-9 (breadth.csv prints 10 decimals).
 */
export function breadthDifferences(got: readonly RefDay[], want: readonly RefDay[], limit = 10): string[] {
  const out: string[] = [];
  const g = new Map(got.map((d) => [d.date, d]));
  const w = new Map(want.map((d) => [d.date, d]));
  for (const date of [...new Set([...g.keys(), ...w.keys()])].sort()) {
    const a = g.get(date);
    const b = w.get(date);
    if (!a || !b) {
      out.push(`${date}: ${a ? 'only in bf' : 'missing from bf'}`);
    } else {
      for (const k of Object.keys(b) as (keyof RefDay)[]) {
        const x = a[k];
        const y = b[k];
        const same =
          typeof x === 'number' && typeof y === 'number' && !Number.isInteger(y)
            ? Math.abs(x - y) <= 1e-9
            : x === y;
        if (!same) out.push(`${date} ${k}: bf ${x}, reference ${y}`);
      }
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** The derived series of a day (README "Breadth and signal conventions"), from its counts. */
export interface RefSeriesDay {
  date: string;
  adRatio: number | null;
  zweigEma: number | null;
  adLine: number;
  mcclellan: number | null;
}

export interface RefFiring {
  date: string;
  signal: string;
  value: number;
}

/** ad_ratio, the Zweig EMA10, the AD line and the McClellan oscillator of each day. */
export function referenceSeries(days: readonly RefDay[]): RefSeriesDay[] {
  let ema: number | null = null;
  let fast: number | null = null;
  let slow: number | null = null;
  let adLine = 0;
  return days.map((d) => {
    const moved = d.advancers + d.decliners;
    const r = moved > 0 ? d.advancers / moved : null;
    if (r !== null) ema = ema === null ? r : ema + (2 / 11) * (r - ema);
    const net = d.advancers - d.decliners;
    if (moved > 0) {
      fast = fast === null ? net : fast + 0.1 * (net - fast);
      slow = slow === null ? net : slow + 0.05 * (net - slow);
    }
    adLine += net;
    return {
      date: d.date,
      adRatio: r,
      zweigEma: ema,
      adLine,
      mcclellan: fast === null || slow === null ? null : fast - slow,
    };
  });
}

/** The firings of the three thrusts over the days (README: strict crossings of defined values, never row 0). */
export function referenceFirings(days: readonly RefDay[]): RefFiring[] {
  const series = referenceSeries(days);
  const out: RefFiring[] = [];
  const crosses = (v: readonly (number | null)[], t: number, above: number) =>
    t > 0 && v[t] != null && v[t - 1] != null && v[t]! > above && v[t - 1]! <= above;
  const window = (n: number, f: (i: number) => number | null) =>
    days.map((_, t) => (t + 1 < n ? null : f(t)));
  const sum = (t: number, n: number, k: 'advancers' | 'decliners') =>
    days.slice(t - n + 1, t + 1).reduce((s, d) => s + d[k], 0);
  const ema = series.map((s) => s.zweigEma);
  const deemer = window(10, (t) => {
    const d = sum(t, 10, 'decliners');
    return d > 0 ? sum(t, 10, 'advancers') / d : null;
  });
  const whaley = window(5, (t) => {
    const a = sum(t, 5, 'advancers');
    const m = a + sum(t, 5, 'decliners');
    return m > 0 ? a / m : null;
  });
  days.forEach((d, t) => {
    if (crosses(ema, t, 0.615) && ema.slice(Math.max(0, t - 10), t).some((v) => v != null && v < 0.4)) {
      out.push({ date: d.date, signal: 'zweig_breadth_thrust', value: ema[t]! });
    }
    if (crosses(deemer, t, 1.97))
      out.push({ date: d.date, signal: 'deemer_breadth_thrust', value: deemer[t]! });
    if (crosses(whaley, t, 0.7366))
      out.push({ date: d.date, signal: 'whaley_breadth_thrust', value: whaley[t]! });
  });
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.signal < b.signal ? -1 : 1));
}

/**
 * Differences between bf's breadth.csv series columns and signals.csv and the reference's, both derived from
 * `days` (the reference's counts), as readable lines (empty when they agree; values within 1e-9, relative).
 */
export function seriesDifferences(
  breadthCsv: string,
  signalsCsv: string,
  days: readonly RefDay[],
  limit = 10,
): string[] {
  const out: string[] = [];
  const [head, ...lines] = breadthCsv.trim().split('\n');
  const cols = head!.split(',');
  const ref = referenceSeries(days);
  const near = (x: number | null, y: number | null) =>
    x === null || y === null ? x === y : Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
  if (lines.length !== ref.length)
    out.push(`breadth.csv has ${lines.length} days, the reference ${ref.length}`);
  lines.forEach((line, i) => {
    const cells = line.split(',');
    const at = (name: string) =>
      cells[cols.indexOf(name)] === '' ? null : Number(cells[cols.indexOf(name)]);
    const r = ref[i];
    if (!r) return;
    const want: [string, number | null][] = [
      ['ad_ratio', r.adRatio],
      ['zweig_ema10', r.zweigEma],
      ['ad_line', r.adLine],
      ['mcclellan_osc', r.mcclellan],
    ];
    for (const [name, value] of want) {
      if (!near(at(name), value)) out.push(`${r.date} ${name}: bf ${at(name)}, reference ${value}`);
    }
  });
  const got = signalsCsv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map(([date, signal, value]) => ({ date: date!, signal: signal!, value: Number(value) }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.signal < b.signal ? -1 : 1));
  const want = referenceFirings(days);
  const key = (f: RefFiring) => `${f.date} ${f.signal}`;
  if (got.map(key).join('|') !== want.map(key).join('|')) {
    out.push(
      `firings: bf ${got.map(key).join(', ') || 'none'}; reference ${want.map(key).join(', ') || 'none'}`,
    );
  } else {
    got.forEach((f, i) => {
      if (!near(f.value, want[i]!.value))
        out.push(`${key(f)} value: bf ${f.value}, reference ${want[i]!.value}`);
    });
  }
  return out.slice(0, limit);
}
