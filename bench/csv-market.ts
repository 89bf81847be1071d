/**
 * A directory of Yahoo-format CSVs (`<SYMBOL>.csv`, header `Date,Open,High,Low,Close,Adj Close,Volume`) as a user
 * downloads them, for the CSV benchmark and its small-size test. Deterministic for a given seed.
 *
 * What real downloads have, on purpose: late listings (~15% of symbols), delistings (~10%), trading halts (~5%
 * of symbols miss a 5–30 day stretch), Yahoo's `null` rows (about one per 2,000 bars), and adjusted closes that
 * differ from closes. Business days from 2005-01-03; each symbol's log return = beta * market + own noise, with the
 * market factor of the sample source (washouts and thrusts), so the signals fire.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { YAHOO_CSV_HEADER } from '../src/sources/csv.ts';
import { hash32, mulberry32, normalFrom } from '../src/sources/prng.ts';
import { businessDays, marketReturns } from '../src/sources/sample.ts';

export interface CsvMarketSpec {
  symbols: number;
  years: number;
  seed?: number;
}

export interface CsvMarket {
  dir: string;
  symbols: string[];
  /** Data rows written (null rows included). */
  rows: number;
  bytes: number;
  /** First and last business day of the market. */
  start: string;
  end: string;
}

const TRADING_DAYS_PER_YEAR = 252;
export const CSV_MARKET_START = '2005-01-03';

export function csvMarketSymbols(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `S${String(i).padStart(5, '0')}`);
}

/** Writes the market into `dir` (created); returns what was written. */
export function writeCsvMarket(dir: string, spec: CsvMarketSpec): CsvMarket {
  const seed = spec.seed ?? 42;
  const dayCount = spec.years * TRADING_DAYS_PER_YEAR;
  // Enough calendar days for dayCount business days.
  const endGuess = new Date(Date.parse(`${CSV_MARKET_START}T00:00:00Z`) + dayCount * 1.45 * 86_400_000);
  const days = businessDays(CSV_MARKET_START, endGuess.toISOString().slice(0, 10)).slice(0, dayCount);
  const market = marketReturns(seed, days.length);
  const symbols = csvMarketSymbols(spec.symbols);
  mkdirSync(dir, { recursive: true });
  let rows = 0;
  let bytes = 0;
  for (const symbol of symbols) {
    const u = mulberry32(hash32(symbol, seed));
    const normal = normalFrom(u);
    const first = u() < 0.15 ? Math.floor(u() * days.length * 0.9) : 0;
    const end = u() < 0.1 ? first + 1 + Math.floor(u() * (days.length - first - 1)) : days.length;
    const haltAt = u() < 0.05 ? first + Math.floor(u() * (end - first)) : -1;
    const haltLen = 5 + Math.floor(u() * 26);
    const beta = 0.5 + u();
    const vol = 0.006 + 0.012 * u();
    const dividendFactor = 1 + 0.2 * u(); // close = adj close × factor, as after years of dividends
    let logPrice = Math.log(10 + 190 * u());
    const lines = [YAHOO_CSV_HEADER];
    for (let d = first; d < end; d++) {
      logPrice += beta * market[d]! + vol * normal();
      if (haltAt >= 0 && d >= haltAt && d < haltAt + haltLen) continue;
      if (u() < 0.0005) {
        lines.push(`${days[d]},null,null,null,null,null,null`);
        continue;
      }
      const adj = Math.max(0.01, Math.round(Math.exp(logPrice) * 1e6) / 1e6);
      const close = adj * dividendFactor;
      const swing = 1 + 0.01 * u();
      lines.push(
        `${days[d]},${fx(close / swing)},${fx(close * swing)},${fx(close / swing / swing)},${fx(close)},${fx(adj)},${Math.floor(1e5 + u() * 1e7)}`,
      );
    }
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, `${symbol}.csv`), text);
    rows += lines.length - 1;
    bytes += text.length;
  }
  return { dir, symbols, rows, bytes, start: days[0]!, end: days[days.length - 1]! };
}

/** Six decimals, as Yahoo's download writes prices. */
function fx(v: number): string {
  return v.toFixed(6);
}
