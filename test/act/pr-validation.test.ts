/**
 * `act pull_request` on the PR-validation workflow, as a user runs it locally: nektos/act (installed by .ci/run
 * into $BF_CACHE/gotools) runs the workflow on this machine (`-P ubuntu-latest=-self-hosted`), the action from
 * this checkout (`uses: ./`, dist/) brings the default compose file up with the local images (BF_*_IMAGE, the
 * variables a user sets), runs the pipeline, uploads the report to act's own artifact server and tears down.
 * Real act, real Docker, real services; nothing of GitHub is involved.
 * Run (needs the stack lock and the local images): npx vitest run --project act
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACT_REPORT_DIR_ENV } from '../../src/action/act-artifact.ts';
import { unzip } from '../../src/action/testing/unzip.ts';
import { localImageEnv } from '../../src/config/local-images.ts';
import { REPO_ROOT } from '../../src/config/stack.ts';
import { manifestShape } from '../../src/report/schemas.ts';
import { freePort } from '../../src/util/net.ts';

const ACT = path.join(
  process.env.BF_CACHE || path.join(process.env.HOME ?? '/root', '.cache', 'bf'),
  'gotools',
  'act',
);
/** pr-validation.yml names it bf-report-pr-<PR number or run id>; act's run id is 1. */
const ARTIFACT = 'bf-report-pr-1';
/** What a full pipeline run's set holds (the manifest lists these, among them the two the old fixed list missed). */
const ARTIFACT_MUST_HOLD = [
  'report.html',
  'equity.svg',
  'metrics.json',
  'trades.csv',
  'forward_returns.csv',
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
  /** BF_ACT_REPORT_DIR: the self-hosted workspace is act's temporary copy, deleted at the end of the job. */
  let keptRoot: string;
  let kept: string;
  let run: { exitCode: number | undefined; all: string };

  beforeAll(async () => {
    if (!existsSync(ACT))
      throw new Error(
        `act not installed at ${ACT}: bash .ci/act.sh installs the pinned version (go install github.com/nektos/act@vX)`,
      );
    expect(await actionLeftovers()).toEqual([]);
    artifacts = await mkdtemp(path.join(tmpdir(), 'bf-act-artifacts-'));
    keptRoot = await mkdtemp(path.join(tmpdir(), 'bf-act-kept-'));
    kept = path.join(keptRoot, ARTIFACT);
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
        // ACT_DISABLE_VERSION_CHECK: act would ask api.nektosact.com for notices, which this machine cannot reach.
        env: {
          ...process.env,
          ...localImageEnv(),
          [ACT_REPORT_DIR_ENV]: keptRoot,
          ACT_DISABLE_VERSION_CHECK: '1',
        },
        timeout: 40 * 60_000,
      },
    );
    run = { exitCode: r.exitCode, all: String(r.all ?? '') };
  }, 45 * 60_000);

  afterAll(async () => {
    if (artifacts) await rm(artifacts, { recursive: true, force: true });
    if (keptRoot) await rm(keptRoot, { recursive: true, force: true });
  });

  it('is green: main, post and the job succeed', () => {
    const tail = run.all.split('\n').slice(-60).join('\n');
    expect(run.exitCode, tail).toBe(0);
    expect(run.all).toContain('Job succeeded');
    expect(run.all).toMatch(/Success - Main Run bf on the stack/);
    expect(run.all).toMatch(/Success - Post Run bf on the stack/);
    // The notice names act's server and the folder the files were kept in (BF_ACT_REPORT_DIR).
    expect(run.all).toContain(`report uploaded to act's artifact server as '${ARTIFACT}'`);
    expect(run.all).toContain(`kept in ${kept}`);
  });

  it("the artifact is in act's artifact server dir and its files equal the report byte for byte", async () => {
    const runs = await readdir(artifacts);
    expect(runs.length, `artifact dir ${artifacts}`).toBe(1);
    const zipPath = path.join(artifacts, runs[0]!, ARTIFACT, `${ARTIFACT}.zip`);
    const entries = unzip(await readFile(zipPath));
    // The run's manifest.json is the list: the artifact holds exactly the files it names and itself, each
    // byte-equal to the kept copy and with the SHA-256 the manifest records.
    const manifest = manifestShape.parse(JSON.parse(entries.get('manifest.json')!.toString('utf8')));
    const listed = manifest.files.map((f) => f.name);
    expect(listed).toEqual(expect.arrayContaining([...ARTIFACT_MUST_HOLD]));
    expect([...entries.keys()].sort()).toEqual([...listed, 'manifest.json'].sort());
    for (const f of manifest.files) {
      const zipped = entries.get(f.name)!;
      expect(createHash('sha256').update(zipped).digest('hex'), `${f.name}: manifest vs zip`).toBe(f.sha256);
    }
    for (const f of [...listed, 'manifest.json']) {
      const onDisk = await readFile(path.join(kept, f));
      expect(entries.get(f)?.equals(onDisk), `${f} in the zip vs ${kept}`).toBe(true);
    }
    expect((await readFile(path.join(kept, 'signals.csv'), 'utf8')).split('\n').length).toBeGreaterThan(2);
  });

  it('leaves no container, network or volume of the run behind', async () => {
    expect(await actionLeftovers()).toEqual([]);
  });
});
