import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ResultsPeer, startResultsPeer } from '../../src/action/testing/results-peer.ts';
import { inputEnv, jobEnv, runStep, stateEnv } from '../../src/action/testing/runner-sim.ts';
import { unzip } from '../../src/action/testing/unzip.ts';
import { defaultComposeFiles } from '../../src/config/stack.ts';
import { manifestShape } from '../../src/report/schemas.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// The locally built images (no registry here) and no Kibana (not obtainable here).
const composeFiles = defaultComposeFiles({ local: true, root: repo });
// The action's default engine: Spark on the stack. BF_ACTION_TEST_ENGINE=duckdb runs the embedded engine instead.
const engine = process.env.BF_ACTION_TEST_ENGINE ?? 'spark';

async function leftovers(
  project: string,
): Promise<{ containers: string; networks: string; volumes: string }> {
  const label = `label=com.docker.compose.project=${project}`;
  const q = async (args: string[]) =>
    (await execa('docker', [...args, '--filter', label, '-q'])).stdout.trim();
  return {
    containers: await q(['ps', '-a']),
    networks: await q(['network', 'ls']),
    volumes: await q(['volume', 'ls']),
  };
}

/**
 * Where the run's time went, for the record (printed, never asserted): main's stages from its job summary, the
 * pipeline's own stages and each service's readiness from its log, main's and post's wall time.
 */
function printSplit(main: { stdout: string; summary: string }, mainMs: number, postMs: number): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const stages = [...main.summary.matchAll(/^\| ([a-z]+) \| ([\d.]+) \|$/gm)].map((m) => `${m[1]} ${m[2]} s`);
  const pipeline = [...main.stdout.matchAll(/stage ([a-z-]+): ([\d.]+) s/g)].map((m) => `${m[1]} ${m[2]} s`);
  const ready = [...main.stdout.matchAll(/✓ ([a-z0-9-]+) ready after ([\d.]+ s)/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  console.info(
    [
      `action main ${s(mainMs)} + post ${s(postMs)} = ${s(mainMs + postMs)} (load ${loadavg()[0]?.toFixed(1)})`,
      `  main stages: ${stages.join(', ') || '(none in the summary)'}`,
      `  pipeline stages: ${pipeline.join(', ') || '(none logged)'}`,
      `  services ready: ${ready.join(', ') || '(none logged)'}`,
    ].join('\n'),
  );
}

// dist/main.js then dist/post.js as the runner runs them, against the real local stack and the Results peer.
describe('the action (dist/) on the real local stack', () => {
  let peer: ResultsPeer;
  let dir: string;

  beforeAll(async () => {
    for (const f of composeFiles) {
      if (!existsSync(f)) throw new Error(`compose file ${f} is missing: build the stack first (bf infra)`);
    }
    if (!existsSync(path.join(repo, 'dist', 'main.js')))
      throw new Error('dist/main.js missing: npm run build');
    peer = await startResultsPeer();
    dir = await mkdtemp(path.join(tmpdir(), 'bf-action-stack-'));
  });
  afterAll(async () => {
    await peer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const stepDirs = async (name: string) => {
    const base = path.join(dir, name);
    await mkdir(path.join(base, 'main'), { recursive: true });
    await mkdir(path.join(base, 'post'), { recursive: true });
    await mkdir(path.join(base, 'workspace'), { recursive: true });
    return base;
  };
  const envFor = (base: string, job: string) => ({
    ...jobEnv({ runnerTemp: base, workspace: path.join(base, 'workspace'), actionPath: repo }),
    GITHUB_JOB: job,
    ACTIONS_RUNTIME_TOKEN: peer.token,
    ACTIONS_RESULTS_URL: peer.url,
  });
  const baseInputs = {
    'symbol-list': 'demo_small',
    source: 'sample',
    engine,
    'compose-file': composeFiles.join(','),
    'keep-up': 'false',
    'min-signals': '1',
  };

  it('main runs the pipeline, sets outputs, writes the summary, uploads the report; post leaves nothing', async () => {
    const base = await stepDirs('ok');
    const env = envFor(base, 'ok');
    const mainStartedAt = Date.now();
    const main = await runStep({
      script: path.join(repo, 'dist', 'main.js'),
      dir: path.join(base, 'main'),
      cwd: path.join(base, 'workspace'),
      env: { ...env, ...inputEnv({ ...baseInputs, 'wait-timeout': '600', 'artifact-name': 'bf-report-ok' }) },
    });
    const mainMs = Date.now() - mainStartedAt;
    const project = main.state.get('project')!;
    try {
      expect(main.stdout).not.toContain('::error');
      expect(main.exitCode, main.stdout.slice(-3000)).toBe(0);
      // State was written before anything started, and the stack is up when main ends.
      expect(project).toMatch(/^bf-\d+-1-ok$/);
      expect(JSON.parse(main.state.get('compose-files')!)).toEqual(composeFiles);
      expect(main.state.get('main-succeeded')).toBe('true');
      expect((await leftovers(project)).containers).not.toBe('');

      const signals = Number(main.outputs.get('signals-count'));
      expect(signals).toBeGreaterThanOrEqual(1);
      // The assert stage counted the real index: exactly the lake's signals landed in Elasticsearch.
      expect(main.outputs.get('es-documents')).toBe(String(signals));
      const reportPath = main.outputs.get('report-path')!;
      expect(existsSync(reportPath)).toBe(true);
      expect(Number(main.outputs.get('duration-seconds'))).toBeGreaterThan(0);
      for (const stage of ['preflight', 'stack', 'pipeline', 'assert', 'upload']) {
        expect(main.stdout).toContain(`::group::bf: ${stage}`);
        expect(main.summary).toContain(`| ${stage} |`);
      }
      expect(main.summary).toContain('### Signals');
      expect(main.summary).toContain('### Backtest');

      const artifact = peer.artifacts.get('bf-report-ok');
      expect(peer.errors).toEqual([]);
      expect(artifact?.finalized).toBe(true);
      expect(main.outputs.get('artifact-id')).toBe(String(artifact?.id));
      const entries = unzip(artifact!.bytes);
      const reportDir = path.dirname(reportPath);
      // The artifact is the run's set as its manifest.json lists it: those files and the manifest, byte-equal to
      // the files on disk and with the SHA-256 the manifest records; the job summary names the same files.
      const manifest = manifestShape.parse(
        JSON.parse(await readFile(path.join(reportDir, 'manifest.json'), 'utf8')),
      );
      const names = [...manifest.files.map((f) => f.name), 'manifest.json'];
      expect(names).toEqual(
        expect.arrayContaining([
          'report.html',
          'equity.svg',
          'metrics.json',
          'trades.csv',
          'forward_returns.csv',
          'signals.csv',
          'breadth.csv',
        ]),
      );
      expect([...entries.keys()].sort()).toEqual([...names].sort());
      for (const name of names) {
        expect(entries.get(name)?.equals(await readFile(path.join(reportDir, name))), name).toBe(true);
      }
      for (const f of manifest.files) {
        expect(createHash('sha256').update(entries.get(f.name)!).digest('hex'), f.name).toBe(f.sha256);
      }
      expect(main.summary).toContain(`checked before upload): ${names.map((n) => `\`${n}\``).join(', ')}.`);
      // signals.csv in the artifact has one row per firing the output reported.
      expect(entries.get('signals.csv')!.toString('utf8').trim().split('\n').length - 1).toBe(signals);
    } finally {
      const postStartedAt = Date.now();
      const post = await runStep({
        script: path.join(repo, 'dist', 'post.js'),
        dir: path.join(base, 'post'),
        cwd: path.join(base, 'workspace'),
        env: { ...env, ...stateEnv(main.state) },
      });
      printSplit(main, mainMs, Date.now() - postStartedAt);
      expect(post.exitCode, post.stdout.slice(-2000)).toBe(0);
    }
    expect(await leftovers(project)).toEqual({ containers: '', networks: '', volumes: '' });
  });

  it('a stack that is not ready in time fails main naming the stage; post uploads logs and tears down', async () => {
    const base = await stepDirs('notready');
    const env = envFor(base, 'notready');
    const main = await runStep({
      script: path.join(repo, 'dist', 'main.js'),
      dir: path.join(base, 'main'),
      cwd: path.join(base, 'workspace'),
      env: {
        ...env,
        ...inputEnv({ ...baseInputs, 'wait-timeout': '1', 'artifact-name': 'bf-report-notready' }),
      },
    });
    const project = main.state.get('project')!;
    expect(main.exitCode).toBe(1);
    expect(main.stdout).toMatch(
      /::error::bf failed in stage stack \([a-z0-9, -]+\): stack bf-\S+ not ready after/,
    );
    expect(main.state.has('main-succeeded')).toBe(false);
    expect(main.summary).toContain('**Failed:** stack');

    const post = await runStep({
      script: path.join(repo, 'dist', 'post.js'),
      dir: path.join(base, 'post'),
      cwd: path.join(base, 'workspace'),
      env: { ...env, ...stateEnv(main.state) },
    });
    expect(post.exitCode, post.stdout.slice(-2000)).toBe(0);
    const artifact = peer.artifacts.get('bf-report-notready');
    expect(artifact?.finalized).toBe(true);
    const entries = unzip(artifact!.bytes);
    expect(entries.has('diagnostics/compose-ps.json')).toBe(true);
    expect([...entries.keys()].filter((k) => k.endsWith('.log')).length).toBeGreaterThan(0);
    expect(await leftovers(project)).toEqual({ containers: '', networks: '', volumes: '' });
  });

  it('a cancelled main (SIGTERM once its containers exist) is still torn down by post', async () => {
    const base = await stepDirs('cancel');
    const env = envFor(base, 'cancel');
    let containersAtCancel = '';
    const main = await runStep({
      script: path.join(repo, 'dist', 'main.js'),
      dir: path.join(base, 'main'),
      cwd: path.join(base, 'workspace'),
      env: {
        ...env,
        ...inputEnv({ ...baseInputs, 'wait-timeout': '600', 'artifact-name': 'bf-report-cancel' }),
      },
      // Cancel only once the project's containers exist: then post has real work to tear down.
      cancelWhen: async (state) => {
        const project = state.get('project');
        if (!project) return false;
        containersAtCancel = (await leftovers(project)).containers;
        return containersAtCancel !== '';
      },
    });
    expect(main.signal).toBe('SIGTERM');
    expect(containersAtCancel).not.toBe('');
    const project = main.state.get('project')!;
    expect(project).toMatch(/-cancel$/);
    const post = await runStep({
      script: path.join(repo, 'dist', 'post.js'),
      dir: path.join(base, 'post'),
      cwd: path.join(base, 'workspace'),
      env: { ...env, ...stateEnv(main.state) },
    });
    expect(post.exitCode, post.stdout.slice(-2000)).toBe(0);
    expect(await leftovers(project)).toEqual({ containers: '', networks: '', volumes: '' });
  });
});
