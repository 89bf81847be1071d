import { describe, expect, it } from 'vitest';
import type { DailyBar, DateRange } from '../domain/bar.ts';
import { silentLogger } from '../util/log.ts';
import { businessDays, createSampleSource, DEFAULT_SAMPLE_SEED, lifecycleOf } from './sample.ts';

const DEMO_25 = (
  'AAPL MSFT NVDA GOOGL META AMZN HD MCD KO PG WMT JPM BAC V BRK-B ' +
  'JNJ UNH PFE MRK XOM CVX LIN CAT HON VZ'
).split(' ');
const FIVE_YEARS: DateRange = { start: '2020-11-02', end: '2025-10-31' };
const TEN_YEARS: DateRange = { start: '2015-11-02', end: '2025-10-31' };
const SOME_YEARS: DateRange = { start: '2017-01-02', end: '2024-06-28' };

/** Daily advance ratio A / (A + D) against each symbol's own previous bar, as the breadth SQL defines it. */
function advanceRatios(bars: DailyBar[]): number[] {
  const bySymbol = new Map<string, DailyBar[]>();
  for (const b of bars) bySymbol.set(b.symbol, [...(bySymbol.get(b.symbol) ?? []), b]);
  const counts = new Map<string, { a: number; d: number }>();
  for (const series of bySymbol.values()) {
    for (let i = 1; i < series.length; i++) {
      const [prev, cur] = [series[i - 1] as DailyBar, series[i] as DailyBar];
      const c = counts.get(cur.date) ?? { a: 0, d: 0 };
      if (cur.adjClose > prev.adjClose) c.a++;
      else if (cur.adjClose < prev.adjClose) c.d++;
      counts.set(cur.date, c);
    }
  }
  return [...counts.entries()]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([, c]) => (c.a + c.d === 0 ? 0.5 : c.a / (c.a + c.d)));
}

/** Zweig firings: the EMA10 of the ratio goes from under 0.40 to over 0.615 within 10 days. */
function zweigFirings(ratios: number[]): number {
  let ema = ratios[0] ?? 0.5;
  let lastLow = Number.NEGATIVE_INFINITY;
  let firings = 0;
  ratios.forEach((r, i) => {
    ema += (2 / 11) * (r - ema);
    if (ema < 0.4) lastLow = i;
    else if (ema > 0.615 && i - lastLow <= 10) {
      firings++;
      lastLow = Number.NEGATIVE_INFINITY;
    }
  });
  return firings;
}

/** Start indices of runs of at least `length` days whose ratio satisfies `test`. */
function stretches(ratios: number[], length: number, test: (r: number) => boolean): number[] {
  const starts: number[] = [];
  let run = 0;
  ratios.forEach((r, i) => {
    run = test(r) ? run + 1 : 0;
    if (run === length) starts.push(i - length + 1);
  });
  return starts;
}

describe('sample source', () => {
  it('is marked synthetic and gives byte-identical bars for the same input', async () => {
    const source = createSampleSource();
    expect(source.synthetic).toBe(true);
    const a = await source.fetch(DEMO_25, FIVE_YEARS, silentLogger);
    const b = await createSampleSource().fetch(DEMO_25, FIVE_YEARS, silentLogger);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const other = await createSampleSource({ seed: 7 }).fetch(DEMO_25, FIVE_YEARS, silentLogger);
    expect(JSON.stringify(other.bars)).not.toBe(JSON.stringify(a.bars));
  });

  it('gives the same bar for a date whatever range it was asked in', async () => {
    const source = createSampleSource();
    const wide = await source.fetch(['AAPL', 'MSFT'], FIVE_YEARS, silentLogger);
    const narrow = await source.fetch(
      ['MSFT', 'AAPL'],
      { start: '2023-03-01', end: '2023-03-31' },
      silentLogger,
    );
    const key = (b: DailyBar) => `${b.symbol}@${b.date}`;
    const wideByKey = new Map(wide.bars.map((b) => [key(b), b]));
    expect(narrow.bars.length).toBe(2 * 23);
    for (const bar of narrow.bars) expect(wideByKey.get(key(bar))).toEqual(bar);
  });

  it('yields business days only with consistent OHLCV', async () => {
    const { bars, failures, skippedRows } = await createSampleSource().fetch(
      DEMO_25,
      FIVE_YEARS,
      silentLogger,
    );
    expect(failures).toEqual([]);
    expect(skippedRows).toBe(0);
    // Collected rather than asserted per bar: 31k expect calls would dominate the suite's run time.
    const broken = bars.filter((b) => {
      const weekday = new Date(`${b.date}T00:00:00Z`).getUTCDay();
      const [open, close, high, low] = [b.open ?? Number.NaN, b.close ?? Number.NaN, b.high ?? 0, b.low ?? 0];
      return (
        weekday === 0 ||
        weekday === 6 ||
        !(low <= Math.min(open, close) && high >= Math.max(open, close)) ||
        !(b.adjClose > 0) ||
        !((b.volume ?? 0) > 0)
      );
    });
    expect(broken).toEqual([]);
    expect(bars.filter((b) => b.symbol === 'AAPL')).toHaveLength(
      businessDays(FIVE_YEARS.start, FIVE_YEARS.end).length,
    );
  });

  it('lists some symbols late and halts others for a while, on dates fixed per symbol', async () => {
    const { bars } = await createSampleSource().fetch(DEMO_25, TEN_YEARS, silentLogger);
    const dates = (s: string) => bars.filter((b) => b.symbol === s).map((b) => b.date);
    expect(lifecycleOf('MRK', DEFAULT_SAMPLE_SEED)).toEqual({ listedFrom: '2018-09-20' });
    expect(lifecycleOf('HON', DEFAULT_SAMPLE_SEED)).toEqual({
      haltedFrom: '2021-08-24',
      haltedTo: '2021-09-28',
    });
    expect(dates('MRK')[0]).toBe('2018-09-20');
    expect(dates('MRK').at(-1)).toBe(TEN_YEARS.end);
    const hon = dates('HON');
    expect(hon[0]).toBe(TEN_YEARS.start);
    expect(hon.at(-1)).toBe(TEN_YEARS.end);
    expect(hon.filter((d) => d >= '2021-08-24' && d <= '2021-09-28')).toEqual([]);
    expect(hon).toContain('2021-08-23');
    expect(hon).toContain('2021-09-29');
    expect(dates('AAPL')).toHaveLength(businessDays(TEN_YEARS.start, TEN_YEARS.end).length);
  });

  it('gives a symbol the same bars whatever list and range it is fetched with', async () => {
    const source = createSampleSource();
    const inDemo = (await source.fetch(DEMO_25, TEN_YEARS, silentLogger)).bars;
    for (const symbol of ['MRK', 'HON', 'AAPL']) {
      const alone = (await source.fetch([symbol], SOME_YEARS, silentLogger)).bars;
      const fromDemo = inDemo.filter(
        (b) => b.symbol === symbol && b.date >= SOME_YEARS.start && b.date <= SOME_YEARS.end,
      );
      expect(alone.length, symbol).toBeGreaterThan(100);
      expect(alone, symbol).toEqual(fromDemo);
    }
  });

  it('produces washouts followed by broad rallies, so the thrust rules fire a few times in five years', async () => {
    const { bars } = await createSampleSource().fetch(DEMO_25, FIVE_YEARS, silentLogger);
    const ratios = advanceRatios(bars);
    const washouts = stretches(ratios, 3, (r) => r < 0.4);
    const rallies = stretches(ratios, 3, (r) => r > 0.615);
    expect(washouts.length).toBeGreaterThanOrEqual(3);
    expect(washouts.some((w) => rallies.some((r) => r > w && r - w <= 30))).toBe(true);
    expect(zweigFirings(ratios)).toBeGreaterThanOrEqual(3);
  });

  it.each([1, 2, 3, 4, 5])('fires Zweig at least once in five years with seed %i', async (seed) => {
    const { bars } = await createSampleSource({ seed }).fetch(DEMO_25, FIVE_YEARS, silentLogger);
    expect(zweigFirings(advanceRatios(bars))).toBeGreaterThanOrEqual(1);
  });

  it('reports symbols with no bars in the range (before the simulated epoch) as failures', async () => {
    const result = await createSampleSource().fetch(
      ['AAPL'],
      { start: '1995-01-02', end: '1995-12-29' },
      silentLogger,
    );
    expect(result.bars).toEqual([]);
    expect(result.failures).toEqual([
      { symbol: 'AAPL', reason: 'no bars between 1995-01-02 and 1995-12-29' },
    ]);
  });
});
