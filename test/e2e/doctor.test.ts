import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { doctorShape } from '../../src/report/schemas.ts';
import { runBf } from '../support/run-bf.ts';

// `bf doctor` as a newcomer runs it: a real child process over a real lake, real ports, the real Docker CLI
// (or, to see what a machine without Docker is told, a PATH without it).
const tmp = () => mkdtempSync(join(tmpdir(), 'bf-doctor-'));
type DoctorDoc = z.infer<typeof doctorShape>;
/** The CLI's --json, checked against its versioned shape (strict: an unknown key fails). */
const doctorDoc = (stdout: string): DoctorDoc => doctorShape.parse(JSON.parse(stdout));
const check = (r: DoctorDoc, name: string): DoctorDoc['checks'][number] => {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
};
/** Only Node's own directory on PATH: no docker, no ss. */
const withoutDocker = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? '/root' };

describe('bf doctor', () => {
  it("reports the lake's tables, rows and date range after a fetch, exit 0", async () => {
    const wd = join(tmp(), 'wd');
    const fetched = await runBf([
      'data',
      'fetch',
      '--source',
      'sample',
      '--workdir',
      wd,
      '--start',
      '2024-01-02',
      '--end',
      '2024-06-28',
      '-q',
    ]);
    expect(fetched.code).toBe(0);
    const r = await runBf(['doctor', '--json', '--workdir', wd]);
    expect(r.code).toBe(0);
    const report = doctorDoc(r.stdout);
    expect(report.schema).toBe('bf.doctor/v1');
    expect(report.embedded).toBe(true);
    expect(check(report, 'node').detail).toContain(process.versions.node);
    expect(check(report, 'duckdb').status).toBe('ok');
    const lake = check(report, 'lake');
    expect(lake.status).toBe('ok');
    const tables = lake.facts!.tables as {
      table: string;
      rows: number;
      symbols?: string[];
      date_range?: unknown;
    }[];
    const prices = tables.find((t) => t.table === 'prices');
    expect(prices?.symbols).toHaveLength(25);
    expect(prices?.date_range).toEqual({ first: '2024-01-02', last: '2024-06-28' });
    expect(prices!.rows).toBeGreaterThan(25 * 100);
    expect(lake.detail).toContain('2024-01-02 → 2024-06-28');
    expect(lake.detail).toContain('SYNTHETIC');
  });

  it('on a machine without Docker: exit 0 (embedded works) and one line per thing the stack path misses', async () => {
    const wd = join(tmp(), 'wd');
    const r = await runBf(['doctor', '--workdir', wd], withoutDocker, { replaceEnv: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+ok\s+lake\s+no lake yet in .*wd /m);
    expect(r.stdout).toContain('embedded path: ready');
    expect(r.stdout).toMatch(/stack path: \d+ thing\(s\) missing:/);
    expect(r.stdout).toMatch(/^ {2}- docker: .*infra\/scripts\/provision-docker\.sh/m);
    expect(r.stdout).toMatch(/^ {2}- compose: .*infra\/scripts\/provision-docker\.sh/m);
    expect(r.stdout).toMatch(/^ {2}- images: /m);
    const json = doctorDoc(
      (await runBf(['doctor', '--json', '--workdir', wd], withoutDocker, { replaceEnv: true })).stdout,
    );
    expect(json).toMatchObject({ schema: 'bf.doctor/v1', embedded: true, stack: false });
    // facts in the one vocabulary: snake_case keys all the way down
    expect(JSON.stringify(json.checks.map((c) => c.facts ?? {}))).not.toMatch(/"[a-z]+[A-Z][A-Za-z]*":/);
    expect(check(json, 'node').facts).toMatchObject({ version: process.versions.node, min_major: 24 });
    expect(check(json, 'docker').status).toBe('missing');
  });

  it('names a busy stack port, the service and the variable that moves it', async () => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen({ port: 0, host: '127.0.0.1' }, ok));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runBf(['doctor', '--json', '--workdir', join(tmp(), 'wd')], {
        BF_KAFKA_PORT: String(port),
      });
      expect(r.code).toBe(0);
      const report = doctorDoc(r.stdout);
      const ports = check(report, 'ports');
      expect(ports.status).toBe('missing');
      expect(ports.detail).toContain(`${port} (kafka broker, BF_KAFKA_PORT) by`);
      expect(ports.hint).toContain('BF_KAFKA_PORT=<port>');
      expect(report.stack).toBe(false);
    } finally {
      server.close();
    }
  });

  it('a lake table whose metadata is corrupt: named, exit 1 (the embedded path does not work)', async () => {
    const wd = join(tmp(), 'wd');
    expect(
      (
        await runBf([
          'data',
          'fetch',
          '--source',
          'sample',
          '--workdir',
          wd,
          '--start',
          '2024-01-02',
          '--end',
          '2024-02-28',
          '-q',
        ])
      ).code,
    ).toBe(0);
    writeFileSync(join(wd, 'lake', 'prices', '_meta.json'), '{"table": "pri');
    const r = await runBf(['doctor', '--workdir', wd]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MISSING\s+lake\s+the lake cannot be read: cannot read .*prices\/_meta\.json/);
    expect(r.stdout).toContain('embedded path: NOT ready');
  });
});
