import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BF_BIN, runBf } from '../support/run-bf.ts';

// Progress as a user sees it: on a terminal (a real pseudo-terminal from util-linux `script`) one line rewritten in
// place; off a terminal (a pipe, a CI log) one line per stage with its time and at most one progress line per
// interval.
const FIXTURES = resolve(import.meta.dirname, '../fixtures/yahoo');
const tmp = () => mkdtempSync(join(tmpdir(), 'bf-progress-'));
const SCRIPT = '/usr/bin/script';
const STAGES = ['fetch', 'signals', 'backtest', 'store', 'report'];

/** `bf args…` with stdout and stderr on a pseudo-terminal; resolves to everything the terminal received. */
function onTerminal(args: string[], env: Record<string, string>): Promise<{ code: number; screen: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, BF_BIN, ...args].map(quote).join(' ');
  return new Promise((done) => {
    execFile(SCRIPT, ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...env } }, (err, stdout) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, screen: stdout });
    });
  });
}

describe('progress off a terminal', () => {
  it('bf pipeline run: one line per stage with its time, no carriage returns, progress at most once per interval', async () => {
    const dir = tmp();
    const args = [
      'pipeline',
      'run',
      '--source',
      'sample',
      '--workdir',
      join(dir, 'wd'),
      '--out',
      join(dir, 'out'),
    ];
    args.push('--end', '2025-06-30');
    const t0 = Date.now();
    const r = await runBf(args, { BF_PROGRESS_INTERVAL_MS: '2000' });
    const elapsedMs = Date.now() - t0;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\r');
    const lines = r.stderr.trimEnd().split('\n');
    for (const stage of STAGES) {
      expect(lines.filter((l) => new RegExp(`^stage ${stage}: \\d+\\.\\d\\d s$`).test(l))).toHaveLength(1);
    }
    // Progress lines carry their totals ("generated 7/25 …") and come only after 2 s without any line.
    const progress = lines.filter((l) => /^generated \d+\/25 /.test(l));
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 2000));
  });

  it('with a zero interval every progress message is a line: the fetch reports each symbol done of the total', async () => {
    const dir = tmp();
    const r = await runBf(
      ['data', 'fetch', '--source', 'sample', '--workdir', join(dir, 'wd'), '--end', '2025-06-30'],
      {
        BF_PROGRESS_INTERVAL_MS: '0',
      },
    );
    expect(r.code).toBe(0);
    const progress = r.stderr.split('\n').filter((l) => /^generated \d+\/25 /.test(l));
    expect(progress).toHaveLength(25);
    expect(progress.at(-1)).toMatch(/^generated 25\/25 /);
  });
});

describe.skipIf(!existsSync(SCRIPT))('progress on a terminal', () => {
  let server: Server;
  let url: string;
  const asked = new Map<string, number>();
  beforeAll(async () => {
    const aapl = readFileSync(join(FIXTURES, 'aapl-200.json'));
    // Every symbol is throttled once (429, Retry-After 0), then answered: each fetch needs one retry.
    server = createServer((req, res) => {
      const n = (asked.get(req.url ?? '') ?? 0) + 1;
      asked.set(req.url ?? '', n);
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' });
        res.end('Too Many Requests');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(aapl);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('bf data fetch --source yahoo: one line rewritten in place with symbols done/total and retries', async () => {
    const dir = tmp();
    const list = join(dir, 'list.txt');
    writeFileSync(list, 'AAPL\n');
    const r = await onTerminal(
      [
        'data',
        'fetch',
        '--source',
        'yahoo',
        '--symbol-list',
        list,
        '--start',
        '2024-01-01',
        '--end',
        '2024-01-10',
      ],
      { BF_YAHOO_URL: url, BF_HOME: join(dir, 'wd') },
    );
    expect(r.code).toBe(0);
    // What the terminal got, with its control sequences made visible: "<CR><CLR>" returns and clears the line.
    const screen = r.screen.replaceAll('\r', '<CR>').replaceAll('\x1b[2K', '<CLR>');
    // Each progress message clears the line and rewrites it (no newline between them).
    expect(screen).toMatch(
      /<CR><CLR>yahoo: 0\/1 symbols, 0 failed, 1 retry · AAPL: HTTP 429[^\n]*<CR><CLR>yahoo: 1\/1 symbols, 0 failed, 1 retry · AAPL ok/,
    );
    // The progress line is cleared before the next plain line.
    expect(screen).toMatch(/AAPL ok<CR><CLR>(warning: |lake: )/);
    expect(screen).toContain('lake: prices now hold 5 rows for 1 symbols');
  });
});
