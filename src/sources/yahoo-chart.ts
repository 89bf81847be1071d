import { type DailyBar, type DateRange, MAX_PRICE } from '../domain/bar.ts';

/** The parts of a Yahoo v8 chart response bf reads. Every field is optional: Yahoo omits freely. */
export interface ChartResponse {
  chart?: {
    result?: ChartResult[] | null;
    error?: { code?: string; description?: string } | null;
  };
}

interface ChartResult {
  meta?: { symbol?: string; gmtoffset?: number; exchangeTimezoneName?: string };
  timestamp?: number[];
  indicators?: {
    quote?: {
      open?: (number | null)[];
      high?: (number | null)[];
      low?: (number | null)[];
      close?: (number | null)[];
      volume?: (number | null)[];
    }[];
    adjclose?: { adjclose?: (number | null)[] }[];
  };
}

const DAY_SECONDS = 86_400;

function epochSeconds(isoDate: string): number {
  return Date.parse(`${isoDate}T00:00:00Z`) / 1000;
}

/**
 * The chart URL for one symbol. The window is padded by a day before and two after because the bars'
 * timestamps are exchange-local session times, not UTC midnights; `parseChart` trims to the exact range.
 */
export function chartUrl(baseUrl: string, symbol: string, range: DateRange): string {
  const period1 = epochSeconds(range.start) - DAY_SECONDS;
  const period2 = epochSeconds(range.end) + 2 * DAY_SECONDS;
  const base = baseUrl.replace(/\/+$/, '');
  return (
    `${base}/v8/finance/chart/${encodeURIComponent(symbol)}` +
    `?period1=${period1}&period2=${period2}&interval=1d&events=div,splits&includeAdjustedClose=true`
  );
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      return undefined; // unknown zone name: the caller falls back to gmtoffset
    }
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The exchange-local trading date of a bar timestamp. The IANA zone is preferred because it follows
 * daylight saving across history; `gmtoffset` is only the offset at response time, so it is the fallback.
 */
export function tradingDate(epochSec: number, timeZone: string | undefined, gmtoffsetSec: number): string {
  const formatter = timeZone ? formatterFor(timeZone) : undefined;
  if (formatter) {
    const parts = formatter.formatToParts(new Date(epochSec * 1000));
    const get = (type: string) => parts.find((p) => p.type === type)?.value;
    return `${get('year')}-${get('month')}-${get('day')}`;
  }
  return new Date((epochSec + gmtoffsetSec) * 1000).toISOString().slice(0, 10);
}

export type ChartParse =
  | { ok: true; bars: DailyBar[]; skippedRows: number; badRows: string[] }
  | { ok: false; reason: string };

/** Close / adj close as the lake takes them (src/sources/csv-rows.ts's rule): positive and below MAX_PRICE. */
const storable = (v: number) => v > 0 && v < MAX_PRICE;

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Turns a chart response into bars within `range`. Rows with a null close or adj close are skipped and counted;
 * rows whose close or adj close the lake cannot take (zero, negative as crude oil futures closed on 2020-04-20, or
 * beyond MAX_PRICE) are skipped and named in `badRows` (`2020-04-20: adj close -37.63 is not …`), so one such bar
 * costs its day, not the fetch; when Yahoo sends two rows for one date (a live row after the close) the later wins.
 * Without an adjclose block (some indices) the close stands in for it.
 */
export function parseChart(symbol: string, body: ChartResponse, range: DateRange): ChartParse {
  const chart = body.chart;
  if (!chart) return { ok: false, reason: 'response has no "chart" object' };
  if (chart.error) {
    const { code, description } = chart.error;
    return { ok: false, reason: [code, description].filter(Boolean).join(': ') || 'Yahoo reported an error' };
  }
  const result = chart.result?.[0];
  if (!result) return { ok: false, reason: 'Yahoo returned no result' };
  const timestamps = result.timestamp ?? [];
  const quote = result.indicators?.quote?.[0] ?? {};
  const adjclose = result.indicators?.adjclose?.[0]?.adjclose;
  const zone = result.meta?.exchangeTimezoneName;
  const offset = result.meta?.gmtoffset ?? 0;
  const byDate = new Map<string, DailyBar>();
  let skippedRows = 0;
  const badRows: string[] = [];
  timestamps.forEach((ts, i) => {
    const date = tradingDate(ts, zone, offset);
    if (date < range.start || date > range.end) return;
    const close = finiteOrNull(quote.close?.[i]);
    const adj = adjclose ? finiteOrNull(adjclose[i]) : close;
    if (close === null || adj === null) {
      skippedRows++;
      return;
    }
    if (!storable(close) || !storable(adj)) {
      const [name, v] = storable(close) ? ['adj close', adj] : ['close', close];
      badRows.push(`${date}: ${name} ${v} is not a positive number below ${MAX_PRICE}`);
      return;
    }
    byDate.set(date, {
      symbol,
      date,
      open: finiteOrNull(quote.open?.[i]),
      high: finiteOrNull(quote.high?.[i]),
      low: finiteOrNull(quote.low?.[i]),
      close,
      adjClose: adj,
      volume: finiteOrNull(quote.volume?.[i]),
    });
  });
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { ok: true, bars, skippedRows, badRows };
}
