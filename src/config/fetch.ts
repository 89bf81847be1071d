/**
 * Facts about fetching from a remote source, in one place: the Yahoo endpoint, how long one request may take,
 * how often it is retried, when the whole fetch gives up.
 */

export const YAHOO_BASE_URL = 'https://query1.finance.yahoo.com';
/** Points the Yahoo client at a mirror or a local replay server (tests, air-gapped runners). */
export const YAHOO_URL_ENV = 'BF_YAHOO_URL';

/** One request, headers and body together. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Retries after the first attempt, for errors a retry can cure (429, 5xx, timeouts, resets, broken JSON). */
export const MAX_RETRIES = 4;
/** Requests in flight at once. */
export const CONCURRENCY = 4;
/**
 * Connection failures in a row (no HTTP answer at all: refused, reset, timed out) after which the fetch stops:
 * by then the endpoint is down or unreachable, and every further symbol would wait out the same timeouts.
 * Any HTTP answer, even an error, resets the count.
 */
export const MAX_CONSECUTIVE_CONNECTION_FAILURES = 6;

/** The Yahoo endpoint this process uses and where that came from, for requests and for messages. */
export function yahooEndpoint(env: NodeJS.ProcessEnv = process.env): { url: string; from: string } {
  const fromEnv = env[YAHOO_URL_ENV]?.trim();
  return fromEnv ? { url: fromEnv, from: YAHOO_URL_ENV } : { url: YAHOO_BASE_URL, from: 'default' };
}
