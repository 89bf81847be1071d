import type { DailyBar, DateRange } from '../domain/bar.ts';
import type { Logger } from '../util/log.ts';
import { hash32, mulberry32, normalFrom } from './prng.ts';
import { type FetchResult, noBarsReason, type PriceSource, type SymbolFailure } from './source.ts';

export interface SampleSourceOptions {
  /** Default 20240101. Same seed, symbols and range give byte-identical bars. */
  seed?: number;
  /**
   * About one symbol in LIFECYCLE_ONE_IN lists late (2015–2019) and another halts for 20–60 trading days
   * (2020–2025), so downstream code meets a late listing and a gap. Chosen from hash(seed, symbol) alone: a symbol
   * has the same bars whatever list and range it is fetched with. Default true.
   */
  lifecycle?: boolean;
}

export const DEFAULT_SAMPLE_SEED = 20240101;
/** The simulated market starts here; bars before it do not exist. Fixed so overlapping ranges agree. */
export const SAMPLE_EPOCH = '2000-01-03';
/** The range used when the user gives neither --start nor --end: fixed, so a default run is the same every day. */
export const SAMPLE_DEFAULT_RANGE: DateRange = { start: '2020-01-01', end: '2024-12-31' };
const LIFECYCLE_ONE_IN = 10;
/**
 * Listings fall in the first window, halts in the second. No symbol delists: a symbol that stopped for good would
 * have no bars at all in every later range, and short ranges are what tests and demos use.
 */
const LISTING_WINDOW = { start: '2015-01-01', end: '2019-12-31' } as const;
const HALT_WINDOW = { start: '2020-01-01', end: '2025-12-31' } as const;
const HALT_DAYS = { min: 20, max: 60 } as const;

const DAY_MS = 86_400_000;

/** Business days (Mon-Fri, no holidays) from `start` to `end` inclusive, ISO dates. */
export function businessDays(start: string, end: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += DAY_MS) {
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

type Regime = 'bull' | 'washout' | 'thrust' | 'chop';

/** Daily drift and volatility of the common market factor in each regime. */
const REGIMES: Record<Regime, { mu: number; sigma: number }> = {
  bull: { mu: 0.0005, sigma: 0.006 },
  // Washouts pull most stocks down for days (advance ratio well under 0.40)...
  washout: { mu: -0.011, sigma: 0.006 },
  // ...and thrusts lift most of them at once, which is what the Zweig/Deemer/Whaley rules look for.
  thrust: { mu: 0.012, sigma: 0.005 },
  chop: { mu: -0.0005, sigma: 0.01 },
};

/**
 * The market factor's daily log returns from SAMPLE_EPOCH, one per business day: a regime chain where a
 * bull market breaks into a washout about every 200 days, and a washout is followed by a thrust
 * (70%) or a choppy stretch (30%). Pure in `seed` and `days`.
 */
export function marketReturns(seed: number, dayCount: number): number[] {
  const uniform = mulberry32(hash32('market', seed));
  const normal = normalFrom(uniform);
  const between = (lo: number, hi: number) => lo + Math.floor(uniform() * (hi - lo + 1));
  const returns: number[] = [];
  let regime: Regime = 'bull';
  let left = Number.POSITIVE_INFINITY;
  for (let i = 0; i < dayCount; i++) {
    if (regime === 'bull' && uniform() < 1 / 200) {
      regime = 'washout';
      left = between(6, 14);
    } else if (left <= 0) {
      if (regime === 'washout') {
        const thrust = uniform() < 0.7;
        regime = thrust ? 'thrust' : 'chop';
        left = thrust ? between(7, 12) : between(10, 30);
      } else {
        regime = 'bull';
        left = Number.POSITIVE_INFINITY;
      }
    }
    const { mu, sigma } = REGIMES[regime];
    returns.push(mu + sigma * normal());
    left--;
  }
  return returns;
}

interface Lifecycle {
  listedFrom?: string;
  /** No bars from `haltedFrom` up to and including `haltedTo`. */
  haltedFrom?: string;
  haltedTo?: string;
}

let listingDays: string[] | undefined;
let haltDays: string[] | undefined;

/** A symbol's listing or delisting date, if it has one: a function of the seed and the symbol only. */
export function lifecycleOf(symbol: string, seed: number): Lifecycle {
  listingDays ??= businessDays(LISTING_WINDOW.start, LISTING_WINDOW.end);
  haltDays ??= businessDays(HALT_WINDOW.start, HALT_WINDOW.end);
  // The salt is arbitrary; this one gives demo_small two late listings and a halt.
  const rng = mulberry32(hash32(`${symbol}/lifecycle/1`, seed));
  const kind = rng();
  const at = rng();
  const pick = (days: string[]) => days[Math.floor(at * days.length)] as string;
  if (kind < 1 / LIFECYCLE_ONE_IN) return { listedFrom: pick(listingDays) };
  if (kind < 2 / LIFECYCLE_ONE_IN) {
    const start = Math.floor(at * haltDays.length);
    const length = HALT_DAYS.min + Math.floor(rng() * (HALT_DAYS.max - HALT_DAYS.min + 1));
    const last = haltDays[Math.min(start + length - 1, haltDays.length - 1)] as string;
    return { haltedFrom: haltDays[start] as string, haltedTo: last };
  }
  return {};
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * One symbol's path from the epoch: log price = beta * market + own drift + a mean-reverting idiosyncratic
 * deviation. Per-symbol traits come from hash(seed, symbol), so a symbol's prices do not depend on its
 * neighbours in the list. Intraday fields come from a per-day generator so they cost nothing outside the range.
 */
function symbolBars(
  symbol: string,
  seed: number,
  calendar: string[],
  market: number[],
  from: string,
  to: string,
): DailyBar[] {
  const traitsRng = mulberry32(hash32(symbol, seed));
  const beta = 0.7 + 0.6 * traitsRng();
  const idioSigma = 0.012 + 0.01 * traitsRng();
  const drift = (traitsRng() - 0.5) * 0.0004;
  const baseVolume = Math.round(10 ** (5.5 + 2 * traitsRng()));
  const normal = normalFrom(mulberry32(hash32(`${symbol}/path`, seed)));
  const intradaySeed = hash32(`${symbol}/intraday`, seed);
  let logPrice = Math.log(15 + 285 * traitsRng());
  let deviation = 0;
  let prevClose: number | null = null;
  const bars: DailyBar[] = [];
  for (let i = 0; i < calendar.length; i++) {
    const date = calendar[i] as string;
    const nextDeviation = 0.998 * deviation + idioSigma * normal();
    const dailyReturn = beta * (market[i] as number) + drift + (nextDeviation - deviation);
    deviation = nextDeviation;
    logPrice += dailyReturn;
    const close = round(Math.exp(logPrice), 4);
    if (date >= from && date <= to) {
      // Keyed by day index from the epoch (golden-ratio spread), so a day's fields do not depend on the range.
      const dayNormal = normalFrom(mulberry32((intradaySeed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0));
      const open = round((prevClose ?? close) * Math.exp(0.003 * dayNormal()), 4);
      const high = round(Math.max(open, close) * Math.exp(Math.abs(0.006 * dayNormal())), 4);
      const low = round(Math.min(open, close) * Math.exp(-Math.abs(0.006 * dayNormal())), 4);
      const volume = Math.round(baseVolume * Math.exp(0.3 * dayNormal()) * (1 + Math.abs(dailyReturn) * 50));
      bars.push({ symbol, date, open, high, low, close, adjClose: close, volume });
    }
    prevClose = close;
  }
  return bars;
}

/** Deterministic synthetic market for demos and tests: `synthetic: true`, never presented as real prices. */
export function createSampleSource(opts: SampleSourceOptions = {}): PriceSource {
  const seed = opts.seed ?? DEFAULT_SAMPLE_SEED;
  const lifecycle = opts.lifecycle ?? true;
  return {
    name: 'sample',
    synthetic: true,
    defaultRange: () => SAMPLE_DEFAULT_RANGE,
    async fetch(symbols: string[], range: DateRange, log: Logger): Promise<FetchResult> {
      const calendar = range.end >= SAMPLE_EPOCH ? businessDays(SAMPLE_EPOCH, range.end) : [];
      const market = marketReturns(seed, calendar.length);
      const bars: DailyBar[] = [];
      const failures: SymbolFailure[] = [];
      symbols.forEach((symbol, index) => {
        const life = lifecycle ? lifecycleOf(symbol, seed) : {};
        const from = life.listedFrom && life.listedFrom > range.start ? life.listedFrom : range.start;
        const own = symbolBars(symbol, seed, calendar, market, from, range.end).filter(
          (b) => !(life.haltedFrom && b.date >= life.haltedFrom && b.date <= (life.haltedTo as string)),
        );
        if (own.length === 0) failures.push({ symbol, reason: noBarsReason(range) });
        for (const bar of own) bars.push(bar);
        log.progress(`generated ${index + 1}/${symbols.length} ${symbol}`);
      });
      return { bars, failures, skippedRows: 0 };
    },
  };
}
