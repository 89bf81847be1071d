/**
 * `act pull_request` on the PR-validation workflow, as a user runs it locally: nektos/act (installed by .ci/run
 * into $BF_CACHE/gotools) runs the workflow on this machine (`-P ubuntu-latest=-self-hosted`), the action from
 * this checkout (`uses: ./`, dist/) brings the default compose file up with the local images (BF_*_IMAGE, the
 * variables a user sets), runs the pipeline, uploads the report to act's own artifact server and tears down.
 * Real act, real Docker, real services; nothing of GitHub is involved.
 * Run (needs the stack lock and the local images): npx vitest run --project act
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ARTIFACT_DIR } from '../../src/action/act-artifact.ts';
import { unzip } from '../../src/action/testing/unzip.ts';
import { localImageEnv } from '../../src/config/local-images.ts';
import { REPO_ROOT } from '../../src/config/stack.ts';
import { freePort } from '../../src/util/net.ts';

const ACT = path.join(
  process.env.BF_CACHE || path.join(process.env.HOME ?? '/root', '.cache', 'bf'),
  'gotools',
  'act',
);
/** pr-validation.yml names it bf-report-pr-<PR number or run id>; act's run id is 1. */
const ARTIFACT = 'bf-report-pr-1';
const REPORT_FILES = [
  'report.html',
  'equity.svg',
  'metrics.json',
  'trades.csv',
  'signals.csv',
  'breadth.csv',
];

/** Containers, networks and volumes of compose projects the action names (`bf-<run>-<attempt>-<job>`). */
async function actionLeftovers(): Promise<string[]> {
  const out: string[] = [];
  for (const [kind, name] of [
    ['ps -a', '{{.Names}}'],
    ['network ls', '{{.Name}}'],
    ['volume ls', '{{.Name}}'],
  ] as const) {
    const r = await execa('docker', [
      ...kind.split(' '),
      '--filter',
      'label=com.docker.compose.project',
      '--format',
      `{{.Label "com.docker.compose.project"}} ${name}`,
    ]);
    out.push(
      ...r.stdout
        .split('\n')
        .filter((l) => /^bf-\d+-\d+-/.test(l))
        .map((l) => `${kind}: ${l}`),
    );
  }
  return out;
}

describe('act pull_request -W .github/workflows/pr-validation.yml', () => {
  let artifacts: string;
  let run: { exitCode: number | undefined; all: string };
  const kept = path.join(REPO_ROOT, LOCAL_ARTIFACT_DIR, ARTIFACT);

  beforeAll(async () => {
    if (!existsSync(ACT))
      throw new Error(
        `act not installed at ${ACT}: .ci/run installs it (go install github.com/nektos/act@v0.2.89)`,
      );
    expect(await actionLeftovers()).toEqual([]);
    artifacts = await mkdtemp(path.join(tmpdir(), 'bf-act-artifacts-'));
    await rm(kept, { recursive: true, force: true });
    const port = await freePort();
    const r = await execa(
      ACT,
      [
        'pull_request',
        '-W',
        '.github/workflows/pr-validation.yml',
        '-P',
        'ubuntu-latest=-self-hosted',
        '--artifact-server-path',
        artifacts,
        '--artifact-server-addr',
        '127.0.0.1',
        '--artifact-server-port',
        String(port),
      ],
      {
        cwd: REPO_ROOT,
        reject: false,
        all: true,
        // The job runs on this host and inherits this env: the local images, Node 24 first on PATH.
        env: { ...process.env, ...localImageEnv() },
        timeout: 40 * 60_000,
      },
    );
    run = { exitCode: r.exitCode, all: String(r.all ?? '') };
  }, 45 * 60_000);

  afterAll(async () => {
    if (artifacts) await rm(artifacts, { recursive: true, force: true });
  });

  it('is green: main, post and the job succeed', () => {
    const tail = run.all.split('\n').slice(-60).join('\n');
    expect(run.exitCode, tail).toBe(0);
    expect(run.all).toContain('Job succeeded');
    expect(run.all).toMatch(/Success - Main Run bf on the stack/);
    expect(run.all).toMatch(/Success - Post Run bf on the stack/);
  });

  it("the artifact is in act's artifact server dir and its files equal the report byte for byte", async () => {
    const runs = await readdir(artifacts);
    expect(runs.length, `artifact dir ${artifacts}`).toBe(1);
    const zipPath = path.join(artifacts, runs[0]!, ARTIFACT, `${ARTIFACT}.zip`);
    const entries = unzip(await readFile(zipPath));
    expect([...entries.keys()].sort()).toEqual([...REPORT_FILES].sort());
    for (const f of REPORT_FILES) {
      const onDisk = await readFile(path.join(kept, f));
      expect(entries.get(f)?.equals(onDisk), `${f} in the zip vs ${kept}`).toBe(true);
    }
    expect((await readFile(path.join(kept, 'signals.csv'), 'utf8')).split('\n').length).toBeGreaterThan(2);
  });

  it('leaves no container, network or volume of the run behind', async () => {
    expect(await actionLeftovers()).toEqual([]);
  });
});
