import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// .ci/summarize.mjs is what decides whether CI is green. These tests run the real vitest on the tiny suites in
// test/fixtures/ci-summary (one vitest project per case), then feed the real JSON reports to the summarizer.
const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const fixtures = join(repo, 'test/fixtures/ci-summary');
const vitestBin = join(repo, 'node_modules/vitest/vitest.mjs');
const summarizer = join(repo, '.ci/summarize.mjs');

// The child vitest must not think it runs inside this one.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'),
);

type Outcome = { code: number; stdout: string; stderr: string };

async function exec(args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir: string;
const reports = new Map<string, { report: string; exitCode: number }>();

/** Runs vitest on one fixture project (optionally only some of its files), writing a JSON report. */
async function vitest(key: string, project: string, filter: string[] = []): Promise<void> {
  const report = join(dir, `${key}.json`);
  const args = [
    vitestBin,
    'run',
    '--project',
    project,
    ...filter,
    '--reporter=json',
    `--outputFile=${report}`,
  ];
  const { code } = await exec(args, fixtures);
  reports.set(key, { report, exitCode: code });
}

/** Runs the summarizer on the given suites (fixture project name = suite name). */
function summarize(...suites: { name: string; key?: string; exitCode?: number; report?: string }[]) {
  const args = [summarizer, '--config', join(fixtures, 'vitest.config.ts')];
  for (const s of suites) {
    const r = reports.get(s.key ?? s.name);
    args.push('--suite', s.name, '--exit-code', String(s.exitCode ?? r?.exitCode ?? 0));
    args.push('--report', s.report ?? r?.report ?? join(dir, 'absent.json'));
  }
  return exec(args, repo);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bf-ci-summary-'));
  await Promise.all([
    vitest('passing', 'passing'),
    vitest('before-all-throws', 'before-all-throws'),
    vitest('broken-import', 'broken-import'),
    vitest('skipped-on-purpose', 'skipped-on-purpose'),
    vitest('nested-hook-throws', 'nested-hook-throws'),
    vitest('two-files-one-ran', 'two-files', ['passing.test.ts']),
  ]);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.ci/summarize.mjs on real vitest reports', () => {
  it('counts a passing suite as passed and exits 0', async () => {
    expect(reports.get('passing')?.exitCode).toBe(0);
    const out = await summarize({ name: 'passing' });
    expect(out.stdout.trim()).toBe('2 passed, 0 failed');
    expect(out.code).toBe(0);
  });

  it('counts the tests of a file whose beforeAll throws as failed, not skipped, and names the error', async () => {
    expect(reports.get('before-all-throws')?.exitCode).toBe(1);
    const out = await summarize({ name: 'before-all-throws' });
    expect(out.stdout.trim()).toBe('0 passed, 2 failed');
    expect(out.stderr).toContain('the stack never came up');
    expect(out.code).toBe(1);
  });

  it('counts a file that fails to import as a failure naming the missing module', async () => {
    const out = await summarize({ name: 'broken-import' });
    expect(out.stdout.trim()).toBe('0 passed, 1 failed');
    expect(out.stderr).toContain('no-such-module');
    expect(out.code).toBe(1);
  });

  it('counts tests skipped on purpose (skip, todo, describe.skip) as skipped and exits 0', async () => {
    const out = await summarize({ name: 'skipped-on-purpose' });
    expect(out.stdout.trim()).toBe('1 passed, 0 failed, 3 skipped');
    expect(out.code).toBe(0);
  });

  it('counts a test behind a describe-level beforeAll that threw as failed', async () => {
    const out = await summarize({ name: 'nested-hook-throws' });
    expect(out.stdout.trim()).toBe('1 passed, 1 failed');
    expect(out.stderr).toContain('queries elasticsearch: did not run');
    expect(out.code).toBe(1);
  });

  it('counts a runner that exited non-zero as a failure even when its report looks clean', async () => {
    const out = await summarize({ name: 'passing', exitCode: 1 });
    expect(out.stdout.trim()).toBe('2 passed, 1 failed');
    expect(out.stderr).toContain('exited 1');
    expect(out.code).toBe(1);
  });

  it('counts a test file the suite includes but the report lacks as failed', async () => {
    const out = await summarize({ name: 'two-files', key: 'two-files-one-ran' });
    expect(out.stdout.trim()).toBe('2 passed, 1 failed');
    expect(out.stderr).toContain('skipped-on-purpose.test.ts is in the suite but not in its report');
    expect(out.code).toBe(1);
  });

  it('counts an expected suite whose report is absent as failed', async () => {
    const out = await summarize(
      { name: 'passing' },
      { name: 'broken-import', report: join(dir, 'none.json') },
    );
    expect(out.stdout.trim()).toBe('2 passed, 1 failed');
    expect(out.stderr).toContain('the suite did not run');
    expect(out.code).toBe(1);
  });

  it('totals several suites into one line', async () => {
    const out = await summarize(
      { name: 'passing' },
      { name: 'skipped-on-purpose' },
      { name: 'before-all-throws' },
    );
    expect(out.stdout.trim()).toBe('3 passed, 2 failed, 3 skipped');
    expect(out.code).toBe(1);
  });
});
