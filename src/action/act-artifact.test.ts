import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACT_REPORT_DIR_ENV,
  actWorkspaceIsTemporary,
  artifactRoute,
  backendIds,
  keepLocally,
  LOCAL_ARTIFACT_DIR,
  localReportDir,
  zipFiles,
} from './act-artifact.ts';
import { uploadArtifact } from './artifact-upload.ts';
import { unzip } from './testing/unzip.ts';

/** A token as act mints it (pkg/common/auth.go: HS256 with an empty key, scp `Actions.Results:<run>:<job>`). */
function actToken(run: number, job: number): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({
    exp: Math.floor(Date.now() / 1000) + 86_400,
    scp: `Actions.Results:${run}:${job}`,
    TaskID: run,
    RunID: run,
    JobID: job,
    ac: '[{"Scope":"","Permission":3}]',
  })}`;
  return `${head}.${createHmac('sha256', Buffer.alloc(0)).update(head).digest('base64url')}`;
}

describe('artifactRoute', () => {
  it('is GitHub outside act, act-server with act and its runtime vars, local with act alone', () => {
    expect(artifactRoute({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'u' })).toBe('github');
    expect(
      artifactRoute({
        ACT: 'true',
        ACTIONS_RUNTIME_TOKEN: 't',
        ACTIONS_RESULTS_URL: 'http://10.0.0.2:34567/',
      }),
    ).toBe('act-server');
    expect(artifactRoute({ ACT: 'true' })).toBe('local');
  });
});

describe('backendIds', () => {
  it("reads run and job from act's token", () => {
    expect(backendIds(actToken(7, 7))).toEqual({ run: '7', job: '7' });
  });
  it('a token without the Results scope is an error saying where tokens come from', () => {
    expect(() => backendIds('a.b.c')).toThrow('ACTIONS_RUNTIME_TOKEN carries no Actions.Results scope');
  });
});

describe('the report under act', () => {
  let dir: string;
  let report: string;
  const files = { 'report.html': '<!doctype html><h1>bf</h1>\n', 'signals.csv': 'date,signal,value\n' };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bf-act-artifact-'));
    report = path.join(dir, 'run', 'report');
    await mkdir(report, { recursive: true });
    for (const [n, b] of Object.entries(files)) await writeFile(path.join(report, n), b);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('zips the files relative to the report directory', async () => {
    const zip = await zipFiles(
      report,
      Object.keys(files).map((f) => path.join(report, f)),
      path.join(dir, 'x.zip'),
    );
    const entries = unzip(zip);
    expect([...entries.keys()].sort()).toEqual(Object.keys(files).sort());
    expect(entries.get('report.html')?.toString()).toBe(files['report.html']);
  });

  it('without an artifact server, keeps the files in <workspace>/bf-artifacts/<name>/ byte for byte', async () => {
    const workspace = path.join(dir, 'ws');
    const env = { ACT: 'true', GITHUB_WORKSPACE: workspace };
    const req = {
      name: 'bf-report-pr-1',
      rootDirectory: report,
      files: [...Object.keys(files), 'missing.csv'].map((f) => path.join(report, f)),
    };
    const res = await uploadArtifact(req, env);
    const kept = path.join(workspace, LOCAL_ARTIFACT_DIR, 'bf-report-pr-1');
    expect(res.localDir).toBe(kept);
    expect(res.files.sort()).toEqual(Object.keys(files).sort());
    for (const [n, b] of Object.entries(files)) expect(await readFile(path.join(kept, n), 'utf8')).toBe(b);
    // A second run replaces the folder rather than mixing two reports.
    await writeFile(path.join(kept, 'stale.csv'), 'old');
    await keepLocally(req, [path.join(report, 'report.html')], env);
    await expect(readFile(path.join(kept, 'stale.csv'))).rejects.toThrow();
  });
  it('BF_ACT_REPORT_DIR (absolute) replaces <workspace>/bf-artifacts; a relative one is refused, naming it', async () => {
    const keep = path.join(dir, 'kept-outside');
    const env = { ACT: 'true', GITHUB_WORKSPACE: path.join(dir, 'ws2'), [ACT_REPORT_DIR_ENV]: keep };
    const req = { name: 'bf-report-pr-7', rootDirectory: report, files: [path.join(report, 'report.html')] };
    const res = await uploadArtifact(req, env);
    expect(res.localDir).toBe(path.join(keep, 'bf-report-pr-7'));
    expect(await readFile(path.join(keep, 'bf-report-pr-7', 'report.html'), 'utf8')).toBe(
      files['report.html'],
    );
    expect(() => localReportDir('x', { ...env, [ACT_REPORT_DIR_ENV]: 'bf-artifacts' })).toThrow(
      /BF_ACT_REPORT_DIR must be an absolute path/,
    );
  });

  it("recognises act's temporary self-hosted workspace (hostexecutor beside RUNNER_TEMP)", () => {
    const root = '/root/.cache/act/0123456789abcdef';
    const hosted = { ACT: 'true', GITHUB_WORKSPACE: `${root}/hostexecutor`, RUNNER_TEMP: `${root}/tmp` };
    expect(actWorkspaceIsTemporary(hosted)).toBe(true);
    expect(actWorkspaceIsTemporary({ ...hosted, ACT: undefined })).toBe(false);
    expect(actWorkspaceIsTemporary({ ...hosted, RUNNER_TEMP: '/tmp' })).toBe(false);
    expect(actWorkspaceIsTemporary({ ...hosted, GITHUB_WORKSPACE: '/home/runner/work/bf/bf' })).toBe(false);
  });
});
