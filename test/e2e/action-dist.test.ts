import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEnv, jobEnv, runStep, stateEnv } from '../../src/action/testing/runner-sim.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

// The committed bundle, copied away from node_modules, run as the runner runs it. No stack needed: these paths
// stop before docker. The full run against the real stack is test/stack/action.test.ts.
describe('dist/ as a runner runs it, without node_modules', () => {
  let dir: string;
  let action: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bf-dist-'));
    action = path.join(dir, 'action');
    await mkdir(action);
    await cp(path.join(repo, 'dist'), path.join(action, 'dist'), { recursive: true });
    await cp(path.join(repo, 'action.yml'), path.join(action, 'action.yml'));
    await mkdir(path.join(dir, 'main'));
    await mkdir(path.join(dir, 'post'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('main rejects a bad input naming it, saves no state; post then has nothing to do', async () => {
    const env = jobEnv({ runnerTemp: dir, workspace: dir, actionPath: action });
    const main = await runStep({
      script: path.join(action, 'dist', 'main.js'),
      dir: path.join(dir, 'main'),
      cwd: dir,
      env: { ...env, ...inputEnv({ 'symbol-list': 'demo_small', 'wait-timeout': '-3' }) },
    });
    expect(main.stderr).toBe('');
    expect(main.exitCode).toBe(1);
    expect(main.stdout).toContain(
      "::error title=bf inputs failed::Input 'wait-timeout' is invalid: got '-3'",
    );
    expect(main.state.size).toBe(0);
    expect(main.outputs.get('duration-seconds')).toMatch(/^\d+\.\d$/);
    expect(main.summary).toContain('**Failed:** inputs: Input');

    const post = await runStep({
      script: path.join(action, 'dist', 'post.js'),
      dir: path.join(dir, 'post'),
      cwd: dir,
      env: { ...env, ...stateEnv(main.state) },
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to tear down');
  });

  it('main checks the symbol-list file against working-directory before any container: named, no state', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(path.join(workspace, 'proj'), { recursive: true });
    await mkdir(path.join(dir, 'main-list'));
    const env = jobEnv({ runnerTemp: dir, workspace, actionPath: action });
    const inputs = { 'symbol-list': 'lists/mine.txt', 'working-directory': 'proj' };
    const main = await runStep({
      script: path.join(action, 'dist', 'main.js'),
      dir: path.join(dir, 'main-list'),
      cwd: workspace,
      env: { ...env, ...inputEnv(inputs) },
    });
    expect(main.exitCode).toBe(1);
    expect(main.stdout).toContain(
      `::error title=bf inputs failed::Input 'symbol-list' is invalid: symbol list file not found: ${path.join(workspace, 'proj', 'lists', 'mine.txt')}`,
    );
    expect(main.stdout).not.toContain('bf: preflight');
    expect(main.state.size).toBe(0);
  });
});
