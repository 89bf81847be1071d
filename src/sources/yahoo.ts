import type { Dispatcher } from 'undici';
import {
  CONCURRENCY,
  MAX_CONSECUTIVE_CONNECTION_FAILURES,
  MAX_RETRIES,
  REQUEST_TIMEOUT_MS,
  YAHOO_BASE_URL,
} from '../config/fetch.ts';
import type { DailyBar, DateRange } from '../domain/bar.ts';
import type { Logger } from '../util/log.ts';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.ts';
import { PROBLEMS_SHOWN } from './csv.ts';
import { FetchProgress } from './fetch-progress.ts';
import { mapWithConcurrency } from './pool.ts';
import {
  type FetchOptions,
  type FetchResult,
  type FetchStop,
  NOT_FETCHED,
  noBarsReason,
  type PriceSource,
  type SymbolFailure,
} from './source.ts';
import { type ChartResponse, chartUrl, parseChart } from './yahoo-chart.ts';

export { YAHOO_BASE_URL };
// Yahoo answers bare library agents with 429s far more often than browser-like ones.
export const YAHOO_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 bf/0.1';

export interface YahooSourceOptions {
  /** Default https://query1.finance.yahoo.com; BF_YAHOO_URL and tests point it elsewhere. */
  baseUrl?: string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Per attempt, headers and body together. Default 15 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429 / 5xx / network errors / timeouts / unparseable JSON. Default 4. */
  maxRetries?: number;
  /** Connection failures in a row (no HTTP answer) after which the whole fetch stops. Default 6. */
  maxConsecutiveConnectionFailures?: number;
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
  | { kind: 'ok'; bars: DailyBar[]; skippedRows: number; badRows: string[] }
  /** This symbol cannot succeed (404, another 4xx, an error in the body): no retry. */
  | { kind: 'fatal'; reason: string }
  /** A retry may cure it. `connection`: no HTTP answer at all (refused, reset, timed out). */
  | { kind: 'retry'; reason: string; retryAfterMs?: number; connection: boolean }
  /** No symbol can succeed (the host does not resolve): the whole fetch stops. */
  | { kind: 'stop'; reason: string }
  /** The fetch was stopped while this attempt ran. */
  | { kind: 'aborted' };

type SymbolOutcome =
  | { ok: true; bars: DailyBar[]; skippedRows: number; badRows: string[] }
  | { ok: false; reason: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `work` does or when `signal` aborts, whichever is first (a stopped fetch does not sit out a backoff). */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      () => resolve(),
    );
  });
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  const code = errorCode(err);
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

function stopReason(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  return typeof reason === 'string' ? reason : 'the fetch was cancelled';
}

export function createYahooSource(opts: YahooSourceOptions = {}): PriceSource {
  const baseUrl = opts.baseUrl ?? YAHOO_BASE_URL;
  const concurrency = Math.max(1, opts.concurrency ?? CONCURRENCY);
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const maxRetries = Math.max(0, opts.maxRetries ?? MAX_RETRIES);
  const maxConnectionFailures = Math.max(
    1,
    opts.maxConsecutiveConnectionFailures ?? MAX_CONSECUTIVE_CONNECTION_FAILURES,
  );
  const baseDelayMs = opts.baseDelayMs ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const userAgent = opts.userAgent ?? YAHOO_USER_AGENT;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const host = (() => {
    try {
      return new URL(baseUrl).host;
    } catch {
      return baseUrl;
    }
  })();

  async function attempt(symbol: string, range: DateRange, stop: AbortSignal): Promise<Attempt> {
    const perAttempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      perAttempt.abort();
    }, timeoutMs);
    try {
      // Loaded on first use: undici costs every other command (signals generate, a nightly run) ~0.1 s to import.
      const { request } = await import('undici');
      const res = await request(chartUrl(baseUrl, symbol, range), {
        method: 'GET',
        headers: { 'user-agent': userAgent, accept: 'application/json' },
        signal: AbortSignal.any([perAttempt.signal, stop]),
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      });
      const text = await res.body.text();
      const status = res.statusCode;
      if (status === 429) {
        return {
          kind: 'retry',
          reason: 'HTTP 429 Too Many Requests',
          retryAfterMs: parseRetryAfterMs(res.headers['retry-after'], now()),
          connection: false,
        };
      }
      if (status >= 500) return { kind: 'retry', reason: `HTTP ${status}`, connection: false };
      if (status !== 200) {
        const detail = yahooErrorText(text);
        return { kind: 'fatal', reason: `HTTP ${status}${detail ? ` ${detail}` : ''}` };
      }
      let body: ChartResponse;
      try {
        body = JSON.parse(text) as ChartResponse;
      } catch {
        return {
          kind: 'retry',
          reason: `truncated or invalid JSON (${text.length} bytes)`,
          connection: false,
        };
      }
      const parsed = parseChart(symbol, body, range);
      return parsed.ok
        ? { kind: 'ok', bars: parsed.bars, skippedRows: parsed.skippedRows, badRows: parsed.badRows }
        : { kind: 'fatal', reason: parsed.reason };
    } catch (err) {
      if (stop.aborted && !timedOut) return { kind: 'aborted' };
      if (timedOut) return { kind: 'retry', reason: `timed out after ${timeoutMs} ms`, connection: true };
      // The name does not resolve: every symbol would fail the same way, and asking again will not help.
      if (errorCode(err) === 'ENOTFOUND') {
        return { kind: 'stop', reason: `cannot resolve the host ${host} (DNS ENOTFOUND)` };
      }
      return { kind: 'retry', reason: describeNetworkError(err), connection: true };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name: 'yahoo',
    synthetic: false,
    endpoint: baseUrl,
    async fetch(
      symbols: string[],
      range: DateRange,
      log: Logger,
      fetchOpts: FetchOptions = {},
    ): Promise<FetchResult> {
      // One signal stops everything: the caller's deadline, the circuit breaker, or a host that does not resolve.
      const halt = new AbortController();
      let stopped: FetchStop | undefined;
      const stopWith = (s: FetchStop) => {
        if (stopped) return;
        stopped = s;
        halt.abort();
      };
      const onDeadline = () => stopWith({ reason: stopReason(fetchOpts.signal), cause: 'deadline' });
      if (fetchOpts.signal?.aborted) onDeadline();
      fetchOpts.signal?.addEventListener('abort', onDeadline, { once: true });
      const progress = new FetchProgress('yahoo', symbols.length, log);
      let connectionFailuresInARow = 0;
      let lastConnectionFailure = '';

      async function fetchSymbol(symbol: string): Promise<SymbolOutcome> {
        for (let tries = 0; ; tries++) {
          if (halt.signal.aborted) return { ok: false, reason: NOT_FETCHED };
          const outcome = await attempt(symbol, range, halt.signal);
          if (outcome.kind === 'aborted') return { ok: false, reason: NOT_FETCHED };
          if (outcome.kind === 'stop') {
            stopWith({ reason: outcome.reason, cause: 'unreachable' });
            return { ok: false, reason: outcome.reason };
          }
          if (outcome.kind === 'retry' && outcome.connection) {
            connectionFailuresInARow++;
            lastConnectionFailure = outcome.reason;
            if (connectionFailuresInARow >= maxConnectionFailures) {
              stopWith({
                reason: `${connectionFailuresInARow} connection failures in a row (last: ${lastConnectionFailure})`,
                cause: 'unreachable',
              });
              return { ok: false, reason: outcome.reason };
            }
          } else {
            connectionFailuresInARow = 0; // an HTTP answer: the endpoint is there
          }
          if (outcome.kind === 'ok') {
            if (outcome.bars.length === 0) return { ok: false, reason: noBarsReason(range) };
            return {
              ok: true,
              bars: outcome.bars,
              skippedRows: outcome.skippedRows,
              badRows: outcome.badRows,
            };
          }
          if (outcome.kind === 'fatal') return { ok: false, reason: outcome.reason };
          if (tries >= maxRetries) {
            return { ok: false, reason: `gave up after ${tries + 1} attempts: ${outcome.reason}` };
          }
          const delay =
            outcome.retryAfterMs !== undefined
              ? Math.min(outcome.retryAfterMs, maxRetryAfterMs)
              : backoffDelayMs(tries, baseDelayMs, maxDelayMs, random);
          progress.retry(symbol, `${outcome.reason}; retry ${tries + 1}/${maxRetries} in ${delay} ms`);
          await untilAborted(sleep(delay), halt.signal);
        }
      }

      let outcomes: SymbolOutcome[];
      try {
        outcomes = await mapWithConcurrency(symbols, concurrency, async (symbol) => {
          if (halt.signal.aborted) return { ok: false, reason: NOT_FETCHED } as const;
          progress.begin(symbol);
          const outcome = await fetchSymbol(symbol);
          progress.done(symbol, outcome.ok ? undefined : outcome.reason);
          return outcome;
        });
      } finally {
        progress.end();
        fetchOpts.signal?.removeEventListener('abort', onDeadline);
      }
      const bars: DailyBar[] = [];
      const failures: SymbolFailure[] = [];
      let skippedRows = 0;
      let badRows = 0;
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) {
          for (const bar of outcome.bars) bars.push(bar);
          skippedRows += outcome.skippedRows;
          badRows += outcome.badRows.length;
          if (outcome.badRows.length > 0) {
            const shown = outcome.badRows.slice(0, PROBLEMS_SHOWN).join('; ');
            const more = outcome.badRows.length > PROBLEMS_SHOWN ? '; …' : '';
            log.warn(`yahoo: ${symbols[i]}: skipped ${outcome.badRows.length} bad row(s): ${shown}${more}`);
          }
        } else {
          failures.push({ symbol: symbols[i] as string, reason: outcome.reason });
        }
      });
      return {
        bars,
        failures,
        skippedRows,
        badRows,
        retries: progress.retries,
        ...(stopped ? { stopped } : {}),
      };
    },
  };
}
