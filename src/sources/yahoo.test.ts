import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DateRange } from '../domain/bar.ts';
import { BfError } from '../util/errors.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import { checkFetchResult, NOT_FETCHED } from './source.ts';
import { createYahooSource, type YahooSourceOptions } from './yahoo.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/yahoo/${name}`, import.meta.url), 'utf8');
const AAPL = fixture('aapl-200.json');
const TOYOTA = fixture('toyota-200.json');
const NOT_FOUND = fixture('not-found-404.json');
const TOO_MANY = fixture('too-many-requests-429.txt');
const INTERNAL = fixture('internal-error-500.json');

const JANUARY: DateRange = { start: '2024-01-01', end: '2024-01-31' };

/** One scripted reply; the list for a symbol is played in order and its last entry repeats. */
type Reply = (res: ServerResponse) => void;

const json =
  (status: number, body: string, headers: Record<string, string> = {}, delayMs = 0): Reply =>
  (res) => {
    const send = () => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };
const tooMany = (retryAfter: string): Reply => json(429, TOO_MANY, { 'retry-after': retryAfter });
const truncated: Reply = (res) => {
  // Chunked with no length, cut mid-document: the client sees a clean end of a broken JSON body.
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(AAPL.slice(0, Math.floor(AAPL.length / 2)));
};
const hang: Reply = () => {};

interface ChartServer {
  baseUrl: string;
  hits: Map<string, number>;
  maxInFlight: number;
  requests: IncomingMessage[];
}

let server: Server | undefined;

async function startServer(script: Record<string, Reply[]>): Promise<ChartServer> {
  const state: ChartServer = { baseUrl: '', hits: new Map(), maxInFlight: 0, requests: [] };
  let inFlight = 0;
  server = createServer((req, res) => {
    const match = /^\/v8\/finance\/chart\/([^?]+)/.exec(req.url ?? '');
    const symbol = decodeURIComponent(match?.[1] ?? '');
    const hit = state.hits.get(symbol) ?? 0;
    state.hits.set(symbol, hit + 1);
    state.requests.push(req);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const settle = () => {
      inFlight--;
    };
    res.on('finish', settle);
    res.on('close', () => {
      if (!res.writableFinished) settle();
    });
    const replies = script[symbol] ?? [json(404, NOT_FOUND)];
    (replies[Math.min(hit, replies.length - 1)] as Reply)(res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Fast-test options: recorded sleeps that return at once, a fixed jitter draw and clock. */
function fastOptions(baseUrl: string, extra: Partial<YahooSourceOptions> = {}) {
  const sleeps: number[] = [];
  const opts: YahooSourceOptions = {
    baseUrl,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    random: () => 0.5,
    now: () => Date.parse('2024-01-10T12:00:00Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  };
  return { opts, sleeps };
}

function recordingLogger(): Logger & { progressLines: string[]; warnings: string[] } {
  const progressLines: string[] = [];
  const warnings: string[] = [];
  return {
    ...silentLogger,
    progress: (m) => progressLines.push(m),
    warn: (m) => warnings.push(m),
    progressLines,
    warnings,
  };
}

describe('yahoo source', () => {
  it('parses a chart response into exchange-local trading dates, skipping null rows', async () => {
    const srv = await startServer({ AAPL: [json(200, AAPL)] });
    const log = recordingLogger();
    const result = await createYahooSource(fastOptions(srv.baseUrl).opts).fetch(['AAPL'], JANUARY, log);

    expect(result.failures).toEqual([]);
    expect(result.skippedRows).toBe(1);
    expect(result.bars.map((b) => b.date)).toEqual([
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
      '2024-01-08',
      '2024-01-09',
    ]);
    expect(result.bars[0]).toEqual({
      symbol: 'AAPL',
      date: '2024-01-02',
      open: 187.14999389648438,
      high: 188.44000244140625,
      low: 183.88999938964844,
      close: 185.63999938964844,
      adjClose: 184.29058837890625,
      volume: 82488700,
    });
    expect(log.progressLines).toContain('yahoo: 1/1 symbols, 0 failed, 0 retries · AAPL ok');

    const req = srv.requests[0] as IncomingMessage;
    expect(req.headers['user-agent']).toMatch(/bf\//);
    const url = new URL(req.url ?? '', srv.baseUrl);
    expect(url.searchParams.get('interval')).toBe('1d');
    expect(url.searchParams.get('events')).toBe('div,splits');
    expect(url.searchParams.get('includeAdjustedClose')).toBe('true');
    expect(Number(url.searchParams.get('period1'))).toBeLessThanOrEqual(
      Date.parse('2024-01-01T00:00Z') / 1000,
    );
    expect(Number(url.searchParams.get('period2'))).toBeGreaterThan(Date.parse('2024-01-31T23:59Z') / 1000);
  });

  it('skips and names a bar the lake cannot take (a negative close, as crude oil futures on 2020-04-20), keeping the rest', async () => {
    const body = JSON.parse(AAPL) as {
      chart: {
        result: { indicators: { quote: { close: number[] }[]; adjclose: { adjclose: number[] }[] } }[];
      };
    };
    const ind = body.chart.result[0]!.indicators;
    ind.quote[0]!.close[1] = -37.63; // 2024-01-03
    ind.adjclose[0]!.adjclose[1] = -37.63;
    ind.adjclose[0]!.adjclose[4] = 0; // 2024-01-08
    const srv = await startServer({ AAPL: [json(200, AAPL)], 'CL=F': [json(200, JSON.stringify(body))] });
    const log = recordingLogger();
    const result = await createYahooSource(fastOptions(srv.baseUrl).opts).fetch(
      ['AAPL', 'CL=F'],
      JANUARY,
      log,
    );
    expect(result.failures).toEqual([]);
    expect(result.bars.filter((b) => b.symbol === 'AAPL')).toHaveLength(5);
    expect(result.bars.filter((b) => b.symbol === 'CL=F').map((b) => b.date)).toEqual([
      '2024-01-02',
      '2024-01-04',
      '2024-01-09',
    ]);
    expect(result.badRows).toBe(2);
    expect(log.warnings).toContain(
      'yahoo: CL=F: skipped 2 bad row(s): 2024-01-03: close -37.63 is not a positive number below 1000000000000; 2024-01-08: adj close 0 is not a positive number below 1000000000000',
    );
  });

  it('keeps Tokyo bars on their local trading date rather than the UTC date', async () => {
    // 7203.T stamps bars at 00:00 JST, which is 15:00 UTC the day before.
    const srv = await startServer({ '7203.T': [json(200, TOYOTA)] });
    const result = await createYahooSource(fastOptions(srv.baseUrl).opts).fetch(
      ['7203.T'],
      JANUARY,
      silentLogger,
    );
    expect(result.bars.map((b) => b.date)).toEqual(['2024-01-04', '2024-01-05', '2024-01-09']);
  });

  it('trims bars outside the requested range', async () => {
    const srv = await startServer({ AAPL: [json(200, AAPL)] });
    const range = { start: '2024-01-03', end: '2024-01-08' };
    const result = await createYahooSource(fastOptions(srv.baseUrl).opts).fetch(
      ['AAPL'],
      range,
      silentLogger,
    );
    expect(result.bars.map((b) => b.date)).toEqual(['2024-01-03', '2024-01-04', '2024-01-08']);
  });

  it('reports a 404 symbol as a failure by name without retrying, and continues with the rest', async () => {
    const srv = await startServer({ AAPL: [json(200, AAPL)], ZZZZ: [json(404, NOT_FOUND)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl);
    const result = await createYahooSource(opts).fetch(['ZZZZ', 'AAPL'], JANUARY, silentLogger);
    expect(result.failures).toEqual([
      { symbol: 'ZZZZ', reason: 'HTTP 404 Not Found: No data found, symbol may be delisted' },
    ]);
    expect(srv.hits.get('ZZZZ')).toBe(1);
    expect(sleeps).toEqual([]);
    expect(result.bars).toHaveLength(5);
  });

  it('honours Retry-After in seconds on 429', async () => {
    const srv = await startServer({ AAPL: [tooMany('7'), json(200, AAPL)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl);
    const result = await createYahooSource(opts).fetch(['AAPL'], JANUARY, silentLogger);
    expect(srv.hits.get('AAPL')).toBe(2);
    expect(sleeps).toEqual([7_000]);
    expect(result.bars).toHaveLength(5);
  });

  it('honours Retry-After as an HTTP date on 429, measured with the injected clock', async () => {
    const srv = await startServer({ AAPL: [tooMany('Wed, 10 Jan 2024 12:00:30 GMT'), json(200, AAPL)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl);
    await createYahooSource(opts).fetch(['AAPL'], JANUARY, silentLogger);
    expect(sleeps).toEqual([30_000]);
  });

  it('retries a 500 with jittered backoff, then succeeds', async () => {
    const srv = await startServer({ AAPL: [json(500, INTERNAL), json(200, AAPL)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl);
    const result = await createYahooSource(opts).fetch(['AAPL'], JANUARY, silentLogger);
    expect(srv.hits.get('AAPL')).toBe(2);
    expect(sleeps).toEqual([50]); // 0.5 * min(1000, 100 * 2^0)
    expect(result.failures).toEqual([]);
  });

  it('retries truncated JSON', async () => {
    const srv = await startServer({ AAPL: [truncated, json(200, AAPL)] });
    const result = await createYahooSource(fastOptions(srv.baseUrl).opts).fetch(
      ['AAPL'],
      JANUARY,
      silentLogger,
    );
    expect(srv.hits.get('AAPL')).toBe(2);
    expect(result.bars).toHaveLength(5);
  });

  it('gives up after maxRetries with exponentially growing, capped delays', async () => {
    const srv = await startServer({ AAPL: [json(503, INTERNAL)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl, { maxRetries: 5, random: () => 0.999 });
    const result = await createYahooSource(opts).fetch(['AAPL'], JANUARY, silentLogger);
    expect(srv.hits.get('AAPL')).toBe(6);
    expect(sleeps).toEqual([99, 199, 399, 799, 999]);
    expect(result.failures).toEqual([{ symbol: 'AAPL', reason: 'gave up after 6 attempts: HTTP 503' }]);
  });

  it('times out a hanging request and retries it', async () => {
    const srv = await startServer({ SLOW: [hang], AAPL: [json(200, AAPL)] });
    const { opts } = fastOptions(srv.baseUrl, { timeoutMs: 100, maxRetries: 1 });
    const started = performance.now();
    const result = await createYahooSource(opts).fetch(['SLOW', 'AAPL'], JANUARY, silentLogger);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(srv.hits.get('SLOW')).toBe(2);
    expect(result.failures).toEqual([
      { symbol: 'SLOW', reason: 'gave up after 2 attempts: timed out after 100 ms' },
    ]);
    expect(result.bars).toHaveLength(5);
  });

  it.each([
    ['3', 3, 3],
    ['the default', undefined, 4],
  ])('keeps requests in flight at concurrency %s', async (_label, concurrency, expected) => {
    const symbols = Array.from({ length: 12 }, (_, i) => `S${i}`);
    const script = Object.fromEntries(symbols.map((s) => [s, [json(200, AAPL, {}, 40)]]));
    const srv = await startServer(script);
    const { opts } = fastOptions(srv.baseUrl, concurrency ? { concurrency } : {});
    const log = recordingLogger();
    const result = await createYahooSource(opts).fetch(symbols, JANUARY, log);
    expect(srv.maxInFlight).toBe(expected);
    expect(result.failures).toEqual([]);
    expect(log.progressLines.filter((l) => l.endsWith(' ok'))).toHaveLength(12);
  });

  it('throws a BfError naming every symbol when all of them fail', async () => {
    const srv = await startServer({ AAA: [json(404, NOT_FOUND)], BBB: [json(500, INTERNAL)] });
    const { opts } = fastOptions(srv.baseUrl, { maxRetries: 1 });
    const source = createYahooSource(opts);
    const result = await source.fetch(['AAA', 'BBB'], JANUARY, silentLogger);
    const judge = () => checkFetchResult(result, ['AAA', 'BBB'], source.name, silentLogger);
    expect(judge).toThrow(BfError);
    expect(judge).toThrow(/every symbol failed.*AAA.*BBB/);
    try {
      judge();
    } catch (err) {
      expect((err as BfError).exitCode).toBe(1);
    }
  });

  it('warns per failed symbol when only some fail', async () => {
    const srv = await startServer({ AAPL: [json(200, AAPL)], ZZZZ: [json(404, NOT_FOUND)] });
    const source = createYahooSource(fastOptions(srv.baseUrl).opts);
    const log = recordingLogger();
    const result = await source.fetch(['AAPL', 'ZZZZ'], JANUARY, log);
    expect(checkFetchResult(result, ['AAPL', 'ZZZZ'], source.name, log)).toBe(result);
    expect(log.warnings.some((w) => w.includes('ZZZZ') && w.includes('delisted'))).toBe(true);
  });
});

/** A TCP peer that accepts connections and then, per `mode`, never answers or drops them at once. */
async function startTcpPeer(
  mode: 'silent' | 'reset',
): Promise<{ baseUrl: string; connections: () => number }> {
  let connections = 0;
  tcp = createTcpServer((socket) => {
    connections++;
    tcpSockets.push(socket);
    socket.on('error', () => {});
    if (mode === 'reset') socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => tcp?.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, connections: () => connections };
}

let tcp: TcpServer | undefined;
const tcpSockets: Socket[] = [];
afterEach(async () => {
  for (const s of tcpSockets.splice(0)) s.destroy();
  const t = tcp;
  tcp = undefined;
  if (t) await new Promise((resolve) => t.close(resolve));
});

describe('yahoo source: errors that a retry cannot cure, and stopping', () => {
  it.each([400, 401, 403, 404, 410, 422])('does not retry an HTTP %i', async (status) => {
    const srv = await startServer({ AAPL: [json(status, NOT_FOUND)] });
    const { opts, sleeps } = fastOptions(srv.baseUrl);
    const log = recordingLogger();
    const result = await createYahooSource(opts).fetch(['AAPL'], JANUARY, log);
    expect(srv.hits.get('AAPL')).toBe(1);
    expect(sleeps).toEqual([]);
    expect(result.failures[0]?.reason).toMatch(new RegExp(`^HTTP ${status}`));
    expect(log.progressLines.at(-1)).toMatch(/^yahoo: 1\/1 symbols, 1 failed, 0 retries · AAPL failed: HTTP/);
  });

  it('stops at once, without retrying, when the host does not resolve (DNS ENOTFOUND)', async () => {
    const { opts, sleeps } = fastOptions('http://bf-no-such-host.invalid', { concurrency: 1 });
    const source = createYahooSource(opts);
    const result = await source.fetch(['AAPL', 'MSFT', 'IBM'], JANUARY, silentLogger);
    expect(sleeps).toEqual([]);
    expect(result.stopped).toEqual({
      reason: 'cannot resolve the host bf-no-such-host.invalid (DNS ENOTFOUND)',
      cause: 'unreachable',
    });
    expect(result.failures.map((f) => f.reason)).toEqual([
      'cannot resolve the host bf-no-such-host.invalid (DNS ENOTFOUND)',
      NOT_FETCHED,
      NOT_FETCHED,
    ]);
    expect(() => checkFetchResult(result, ['AAPL', 'MSFT', 'IBM'], source, silentLogger)).toThrow(
      'fetch from yahoo (http://bf-no-such-host.invalid) stopped: cannot resolve the host bf-no-such-host.invalid (DNS ENOTFOUND); 0/3 symbols fetched, 1 failed, 0 retries; nothing was written to the lake',
    );
  });

  it('trips the circuit breaker after N connection failures in a row (a peer that drops every connection)', async () => {
    const peer = await startTcpPeer('reset');
    const { opts } = fastOptions(peer.baseUrl, { maxConsecutiveConnectionFailures: 3, concurrency: 1 });
    const symbols = ['A', 'B', 'C', 'D', 'E'];
    const result = await createYahooSource(opts).fetch(symbols, JANUARY, silentLogger);
    expect(peer.connections()).toBe(3);
    expect(result.stopped?.cause).toBe('unreachable');
    expect(result.stopped?.reason).toMatch(/^3 connection failures in a row \(last: network error/);
    expect(result.retries).toBe(2);
    expect(result.failures.map((f) => f.symbol)).toEqual(symbols);
    expect(result.failures.slice(1).every((f) => f.reason === NOT_FETCHED)).toBe(true);
  });

  it('trips the circuit breaker on a peer that accepts and never answers, with per-request timeouts', async () => {
    const peer = await startTcpPeer('silent');
    const { opts } = fastOptions(peer.baseUrl, { timeoutMs: 100, maxConsecutiveConnectionFailures: 4 });
    const log = recordingLogger();
    const result = await createYahooSource(opts).fetch(['A', 'B', 'C', 'D', 'E', 'F'], JANUARY, log);
    expect(result.stopped?.reason).toBe('4 connection failures in a row (last: timed out after 100 ms)');
    expect(result.bars).toEqual([]);
  });

  it('an HTTP answer, even an error, resets the connection-failure count', async () => {
    // Each symbol: a request that times out (a connection failure), then a 500 (an answer), then success.
    const srv = await startServer({
      A: [hang, json(500, INTERNAL), json(200, AAPL)],
      B: [hang, json(500, INTERNAL), json(200, AAPL)],
      C: [hang, json(500, INTERNAL), json(200, AAPL)],
    });
    const { opts } = fastOptions(srv.baseUrl, {
      timeoutMs: 100,
      maxConsecutiveConnectionFailures: 2,
      concurrency: 1,
    });
    const result = await createYahooSource(opts).fetch(['A', 'B', 'C'], JANUARY, silentLogger);
    expect(result.stopped).toBeUndefined();
    expect(result.failures).toEqual([]);
    expect(result.retries).toBe(6);
  });

  it('stops at the caller deadline, abandoning hanging requests, and reports what it had not fetched', async () => {
    const peer = await startTcpPeer('silent');
    const { opts } = fastOptions(peer.baseUrl, { timeoutMs: 60_000 });
    const deadline = new AbortController();
    const log = recordingLogger();
    const started = performance.now();
    setTimeout(() => deadline.abort('the --fetch-timeout of 1.5 s ran out'), 1_500);
    const result = await createYahooSource(opts).fetch(['A', 'B'], JANUARY, log, { signal: deadline.signal });
    expect(performance.now() - started).toBeLessThan(30_000); // far below one 60 s request timeout
    expect(result.stopped).toEqual({ reason: 'the --fetch-timeout of 1.5 s ran out', cause: 'deadline' });
    expect(result.failures).toEqual([
      { symbol: 'A', reason: NOT_FETCHED },
      { symbol: 'B', reason: NOT_FETCHED },
    ]);
    // The heartbeat said what it was waiting on while nothing finished.
    expect(log.progressLines).toContain('yahoo: 0/2 symbols, 0 failed, 0 retries · waiting on A, B');
  });
});
