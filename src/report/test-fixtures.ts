// Small, deterministic inputs for the report tests and the preview script (no maths module needed).
import type { EquityPoint, SignalBacktest, Trade } from '../domain/backtest.ts';
import { FORWARD_HORIZONS } from '../domain/backtest.ts';
import type { BreadthDay, BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';

/** Park–Miller LCG: reproducible noise without a dependency. */
function lcg(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** `n` weekdays starting at `start` (UTC), as ISO dates. */
export function weekdays(start: string, n: number): string[] {
  const out: string[] = [];
  const day = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    const dow = day.getUTCDay();
    if (dow !== 0 && dow !== 6) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}

export function fixtureBreadth(n = 300, seed = 7): BreadthSeriesRow[] {
  const rand = lcg(seed);
  const dates = weekdays('2020-01-02', n);
  const rows: BreadthSeriesRow[] = [];
  let ema: number | null = null;
  let adLine = 0;
  for (const [i, date] of dates.entries()) {
    const issues = 100;
    // A slow cycle (period ≈ 126 days) plus noise, with a breadth burst right after every other trough
    // (days 96–103, 347–354, …) so the Zweig EMA goes from below 0.40 to above 0.615 within 10 days.
    const burst = (i - 96 + 251) % 251 < 8 ? 0.45 : 0;
    const tilt = 0.5 + 0.15 * Math.sin(i / 20) + burst;
    const advancers = Math.max(0, Math.min(issues, Math.round(issues * (tilt + (rand() - 0.5) * 0.3))));
    const unchanged = Math.min(issues - advancers, Math.round(rand() * 3));
    const decliners = issues - advancers - unchanged;
    const adRatio = advancers + decliners === 0 ? null : advancers / (advancers + decliners);
    if (adRatio !== null) ema = ema === null ? adRatio : ema + (2 / 11) * (adRatio - ema);
    adLine += advancers - decliners;
    rows.push({
      date,
      advancers,
      decliners,
      unchanged,
      issues,
      aboveSma50: i < 50 ? 0 : Math.round(issues * tilt),
      withSma50: i < 50 ? 0 : issues,
      aboveSma200: i < 200 ? 0 : Math.round(issues * tilt),
      withSma200: i < 200 ? 0 : issues,
      newHighs: Math.round(rand() * 5),
      newLows: Math.round(rand() * 5),
      ewReturn: i === 0 ? null : (advancers - decliners) / issues / 100 + (rand() - 0.5) * 0.01,
      adRatio,
      zweigEma: ema,
      adLine,
      mcclellan: i === 0 ? null : (advancers - decliners) * 0.1,
      fracAboveSma50: i < 50 ? null : tilt,
      fracAboveSma200: i < 200 ? null : tilt,
    });
  }
  return rows;
}

/** Positive fractions below the running peak, as src/backtest/metrics.ts reports them. */
function drawdowns(values: number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return values.map((v) => {
    peak = Math.max(peak, v);
    return 1 - v / peak;
  });
}

/**
 * A backtest with `entries.length` trades of `holdDays` each over `n` days of noisy index returns.
 * The numbers are consistent with each other (equity compounds the daily returns) but the metrics are stand-ins.
 */
export function fixtureBacktest(
  signal: SignalName,
  opts: { n?: number; holdDays?: number; entries?: number[]; seed?: number } = {},
): SignalBacktest {
  const n = opts.n ?? 300;
  const holdDays = opts.holdDays ?? 21;
  const entries = opts.entries ?? [40, 155, 230];
  const rand = lcg(opts.seed ?? 11);
  const dates = weekdays('2020-01-02', n);
  const daily = dates.map((_, i) => (i === 0 ? 0 : (rand() - 0.48) * 0.03));
  const invested = dates.map((_, i) => entries.some((e) => i > e && i <= e + holdDays));
  const buyHold: number[] = [];
  const strategy: number[] = [];
  for (let i = 0; i < n; i++) {
    buyHold.push((buyHold[i - 1] ?? 1) * (1 + daily[i]!));
    strategy.push((strategy[i - 1] ?? 1) * (invested[i] ? 1 + daily[i]! : 1));
  }
  const bhDd = drawdowns(buyHold);
  const stDd = drawdowns(strategy);
  const equity: EquityPoint[] = dates.map((date, i) => ({
    date,
    strategy: strategy[i]!,
    buyHold: buyHold[i]!,
    strategyDrawdown: stDd[i]!,
    buyHoldDrawdown: bhDd[i]!,
  }));
  const trades: Trade[] = entries.map((e) => {
    const exit = Math.min(n - 1, e + holdDays);
    return {
      signal,
      entryDate: dates[e]!,
      exitDate: dates[exit]!,
      days: exit - e,
      return: strategy[exit]! / strategy[e]! - 1,
    };
  });
  const exposure = invested.filter(Boolean).length / n;
  return {
    signal,
    holdDays,
    firings: entries.length,
    forwardReturns: FORWARD_HORIZONS.map((horizon) => {
      const fwd = entries.filter((e) => e + horizon < n).map((e) => buyHold[e + horizon]! / buyHold[e]! - 1);
      const sorted = [...fwd].sort((a, b) => a - b);
      return {
        signal,
        horizon,
        count: fwd.length,
        mean: fwd.length ? fwd.reduce((a, b) => a + b, 0) / fwd.length : null,
        median: fwd.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null,
        hitRate: fwd.length ? fwd.filter((r) => r > 0).length / fwd.length : null,
      };
    }),
    trades,
    strategy: {
      cagr: 0.0412,
      volatility: 0.0831,
      sharpe: 0.52,
      sortino: 0.71,
      maxDrawdown: Math.max(...stDd),
      exposure,
      trades: trades.length,
      totalReturn: strategy[n - 1]! - 1,
    },
    buyHold: {
      cagr: 0.0655,
      volatility: 0.2274,
      sharpe: 0.31,
      sortino: null,
      maxDrawdown: Math.max(...bhDd),
      exposure: 1,
      trades: 1,
      totalReturn: buyHold[n - 1]! - 1,
    },
    equity,
  };
}

export function fixtureEvents(backtests: SignalBacktest[]): SignalEvent[] {
  return backtests.flatMap((bt) =>
    bt.trades.map((t) => ({ date: t.entryDate, signal: bt.signal, value: 0.6234 })),
  );
}

/**
 * Throws unless `xml` is well-formed as far as tags go: every tag closes in order, attributes are quoted,
 * text holds no raw `<` or bare `&`. Enough to catch broken SVG/XHTML output without an XML dependency.
 */
export function assertWellFormedXml(xml: string, opts: { voidElements?: readonly string[] } = {}): void {
  const voids = new Set(opts.voidElements ?? []);
  const stack: string[] = [];
  const token =
    /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\?[\s\S]*?\?>|<\/?([A-Za-z][\w:-]*)((?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/g;
  let last = 0;
  for (const m of xml.matchAll(token)) {
    const text = xml.slice(last, m.index);
    if (/<|&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/.test(text)) {
      throw new Error(`bad text before offset ${m.index}: ${JSON.stringify(text.slice(0, 80))}`);
    }
    last = m.index + m[0].length;
    const name = m[1];
    if (!name) continue;
    if (/&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/.test(m[2] ?? ''))
      throw new Error(`bare & in attributes of <${name}>`);
    if (m[0].startsWith('</')) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at offset ${m.index}`);
    } else if (!m[3] && !voids.has(name.toLowerCase())) stack.push(name);
  }
  if (/<|&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/.test(xml.slice(last))) throw new Error('bad trailing text');
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(' > ')}`);
}

/**
 * Every `<g class="… <name>_marks" …>…</g>` group Vega renders for a named mark (a line mark with a colour
 * encoding renders one group per series), joined into one string; empty when the mark is absent.
 */
export function markGroup(svg: string, markName: string): string {
  const groups: string[] = [];
  const opener = new RegExp(`<g class="[^"]*\\b${markName}_marks\\b[^"]*"[^>]*?(/?)>`, 'g');
  for (const open of svg.matchAll(opener)) {
    if (open[1]) {
      groups.push(open[0]);
      continue;
    }
    let depth = 0;
    for (const m of svg.slice(open.index).matchAll(/<(\/?)g\b[^>]*?(\/?)>/g)) {
      if (m[2]) continue;
      depth += m[1] ? -1 : 1;
      if (depth === 0) {
        groups.push(svg.slice(open.index, open.index + m.index + m[0].length));
        break;
      }
    }
  }
  return groups.join('');
}

/** The engine-side part of `fixtureBreadth` rows (what sql/breadth.sql returns), for feeding the real maths. */
export function fixtureBreadthDays(n = 300, seed = 7): BreadthDay[] {
  return fixtureBreadth(n, seed).map((r) => ({
    date: r.date,
    advancers: r.advancers,
    decliners: r.decliners,
    unchanged: r.unchanged,
    issues: r.issues,
    aboveSma50: r.aboveSma50,
    withSma50: r.withSma50,
    aboveSma200: r.aboveSma200,
    withSma200: r.withSma200,
    newHighs: r.newHighs,
    newLows: r.newLows,
    ewReturn: r.ewReturn,
  }));
}
