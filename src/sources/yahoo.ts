import { type Dispatcher, request } from 'undici';
import type { DailyBar, DateRange } from '../domain/bar.ts';
import type { Logger } from '../util/log.ts';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.ts';
import { mapWithConcurrency } from './pool.ts';
import { type FetchResult, noBarsReason, type PriceSource, type SymbolFailure } from './source.ts';
import { type ChartResponse, chartUrl, parseChart } from './yahoo-chart.ts';

export const YAHOO_BASE_URL = 'https://query1.finance.yahoo.com';
// Yahoo answers bare library agents with 429s far more often than browser-like ones.
export const YAHOO_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 bf/0.1';

export interface YahooSourceOptions {
  /** Default https://query1.finance.yahoo.com; tests point it at a local server. */
  baseUrl?: string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Per attempt, headers and body together. Default 15 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429 / 5xx / network errors / timeouts / unparseable JSON. Default 4. */
  maxRetries?: number;
  /** Backoff base and cap for full jitter. Defaults 500 ms and 20 000 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After honoured; longer values are clamped to this. Default 60 000 ms. */
  maxRetryAfterMs?: number;
  userAgent?: string;
  dispatcher?: Dispatcher;
  /** Injectable for tests: waiting, the wall clock (for HTTP-date Retry-After) and the jitter draw. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

type Attempt =
  | { kind: 'ok'; bars: DailyBar[]; skippedRows: number }
  | { kind: 'fatal'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

type SymbolOutcome = { ok: true; bars: DailyBar[]; skippedRows: number } | { ok: false; reason: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeNetworkError(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  const message = e?.cause?.message ?? e?.message ?? String(err);
  return `network error${code ? ` ${code}` : ''}: ${message}`;
}

function yahooErrorText(text: string): string | undefined {
  try {
    const err = (JSON.parse(text) as ChartResponse).chart?.error;
    if (err) return [err.code, err.description].filter(Boolean).join(': ');
  } catch {
    // Non-JSON error page: the status line alone says enough.
  }
  return undefined;
}

export function createYahooSource(opts: YahooSourceOptions = {}): PriceSource {
  const baseUrl = opts.baseUrl ?? YAHOO_BASE_URL;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxRetries = Math.max(0, opts.maxRetries ?? 4);
  const baseDelayMs = opts.baseDelayMs ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const userAgent = opts.userAgent ?? YAHOO_USER_AGENT;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;

  async function attempt(symbol: string, range: DateRange): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const res = await request(chartUrl(baseUrl, symbol, range), {
        method: 'GET',
        headers: { 'user-agent': userAgent, accept: 'application/json' },
        signal: controller.signal,
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      });
      const text = await res.body.text();
      const status = res.statusCode;
      if (status === 429) {
        return {
          kind: 'retry',
          reason: 'HTTP 429 Too Many Requests',
          retryAfterMs: parseRetryAfterMs(res.headers['retry-after'], now()),
        };
      }
      if (status >= 500) return { kind: 'retry', reason: `HTTP ${status}` };
      if (status !== 200) {
        const detail = yahooErrorText(text);
        return { kind: 'fatal', reason: `HTTP ${status}${detail ? ` ${detail}` : ''}` };
      }
      let body: ChartResponse;
      try {
        body = JSON.parse(text) as ChartResponse;
      } catch {
        return { kind: 'retry', reason: `truncated or invalid JSON (${text.length} bytes)` };
      }
      const parsed = parseChart(symbol, body, range);
      return parsed.ok
        ? { kind: 'ok', bars: parsed.bars, skippedRows: parsed.skippedRows }
        : { kind: 'fatal', reason: parsed.reason };
    } catch (err) {
      return { kind: 'retry', reason: describeNetworkError(err, timedOut, timeoutMs) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchSymbol(symbol: string, range: DateRange, log: Logger): Promise<SymbolOutcome> {
    for (let tries = 0; ; tries++) {
      const outcome = await attempt(symbol, range);
      if (outcome.kind === 'ok') {
        if (outcome.bars.length === 0) return { ok: false, reason: noBarsReason(range) };
        return { ok: true, bars: outcome.bars, skippedRows: outcome.skippedRows };
      }
      if (outcome.kind === 'fatal') return { ok: false, reason: outcome.reason };
      if (tries >= maxRetries) {
        return { ok: false, reason: `gave up after ${tries + 1} attempts: ${outcome.reason}` };
      }
      const delay =
        outcome.retryAfterMs !== undefined
          ? Math.min(outcome.retryAfterMs, maxRetryAfterMs)
          : backoffDelayMs(tries, baseDelayMs, maxDelayMs, random);
      log.progress(`${symbol}: ${outcome.reason}; retry ${tries + 1}/${maxRetries} in ${delay} ms`);
      await sleep(delay);
    }
  }

  return {
    name: 'yahoo',
    synthetic: false,
    async fetch(symbols: string[], range: DateRange, log: Logger): Promise<FetchResult> {
      let done = 0;
      const outcomes = await mapWithConcurrency(symbols, concurrency, async (symbol) => {
        const outcome = await fetchSymbol(symbol, range, log);
        done++;
        log.progress(`fetched ${done}/${symbols.length} ${symbol}`);
        return outcome;
      });
      const bars: DailyBar[] = [];
      const failures: SymbolFailure[] = [];
      let skippedRows = 0;
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) {
          for (const bar of outcome.bars) bars.push(bar);
          skippedRows += outcome.skippedRows;
        } else {
          failures.push({ symbol: symbols[i] as string, reason: outcome.reason });
        }
      });
      return { bars, failures, skippedRows };
    },
  };
}
