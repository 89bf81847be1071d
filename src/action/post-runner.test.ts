import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOutputSet } from '../../test/support/output-set.ts';
import type { ArtifactRequest } from './artifact-upload.ts';
import { type PostDeps, type PostStack, runPost } from './post-runner.ts';
import { STATE_KEYS, saveStackState } from './state.ts';
import { type FakeCore, fakeCore } from './testing/fake-core.ts';

describe('runPost', () => {
  let temp: string;
  let core: FakeCore;
  let calls: string[];
  let uploads: ArtifactRequest[];

  const stack = (over: Partial<PostStack> = {}): PostStack => ({
    captureDiagnostics: async (dir) => {
      calls.push('capture');
      await mkdir(path.join(dir, 'diagnostics'), { recursive: true });
      const f = path.join(dir, 'diagnostics', 'kafka.log');
      await writeFile(f, 'kafka log\n');
      return [f];
    },
    down: async (opts) => {
      calls.push(`down:volumes=${opts.volumes}`);
    },
    ...over,
  });
  const deps = (s: PostStack = stack()): PostDeps => ({
    core,
    stackFor: () => s,
    uploadArtifact: async (req) => {
      uploads.push(req);
      return { id: 9, size: 1, digest: undefined, files: [] };
    },
  });
  const saved = (keepUp = false) =>
    saveStackState(core, {
      project: 'bf-1-1-job',
      composeFiles: ['/a/infra/docker-compose.yml'],
      composeEnv: {},
      artifactDir: temp,
      artifactName: 'rep',
      keepUp,
    });

  beforeEach(async () => {
    temp = await mkdtemp(path.join(tmpdir(), 'bf-post-'));
    core = fakeCore();
    calls = [];
    uploads = [];
  });
  afterEach(() => rm(temp, { recursive: true, force: true }));

  it('does nothing when main saved no state', async () => {
    const out = await runPost(deps());
    expect(out.state).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('after a successful main: only tears down, with volumes', async () => {
    saved();
    core.saveState(STATE_KEYS.mainSucceeded, 'true');
    const out = await runPost(deps());
    expect(calls).toEqual(['down:volumes=true']);
    expect(out.tornDown).toBe(true);
    expect(uploads).toEqual([]);
  });

  it('after a failed or cancelled main: captures logs, uploads them with any report, then tears down', async () => {
    saved();
    await writeOutputSet(path.join(temp, 'report'), { 'breadth.csv': 'date\n' });
    const out = await runPost(deps());
    expect(calls).toEqual(['capture', 'down:volumes=true']);
    expect(uploads[0]?.name).toBe('rep');
    expect(uploads[0]?.files.map((f) => path.relative(temp, f)).sort()).toEqual([
      'diagnostics/kafka.log',
      'report/breadth.csv',
      'report/manifest.json',
    ]);
    expect(out.tornDown).toBe(true);
  });

  it('after a failed main: a report that no longer matches its manifest is left out, named, and the logs still go', async () => {
    saved();
    await writeOutputSet(path.join(temp, 'report'), { 'breadth.csv': 'date\n' });
    await writeFile(path.join(temp, 'report', 'breadth.csv'), 'date\n2024-01-02\n');
    await writeFile(path.join(temp, 'report', 'stray.csv'), 'not of the run\n');
    const out = await runPost(deps());
    expect(uploads[0]?.files.map((f) => path.relative(temp, f))).toEqual(['diagnostics/kafka.log']);
    expect(core.annotations.map((a) => a.message).join('\n')).toMatch(
      /bf post: the report is left out of the diagnostics: output set \S+: breadth\.csv has SHA-256/,
    );
    expect(out.tornDown).toBe(true);
  });

  it('uses a distinct artifact name when main already uploaded the report', async () => {
    saved();
    core.saveState(STATE_KEYS.artifactUploaded, 'true');
    await runPost(deps());
    expect(uploads[0]?.name).toBe('rep-diagnostics');
  });

  it('still tears down when log capture and upload both throw', async () => {
    saved();
    const out = await runPost({
      ...deps(
        stack({
          captureDiagnostics: async () => {
            throw new Error('docker hung');
          },
        }),
      ),
      uploadArtifact: async () => {
        throw new Error('unreachable');
      },
    });
    expect(out.errors).toEqual(['capture: docker hung']);
    expect(out.tornDown).toBe(true);
    expect(core.annotations.map((a) => a.level)).toEqual(['warning']);
  });

  it('keeps the stack up when keep-up was set', async () => {
    saved(true);
    core.saveState(STATE_KEYS.mainSucceeded, 'true');
    const out = await runPost(deps());
    expect(calls).toEqual([]);
    expect(out.tornDown).toBe(false);
  });

  it('fails the step when down fails', async () => {
    saved();
    core.saveState(STATE_KEYS.mainSucceeded, 'true');
    const out = await runPost(
      deps(
        stack({
          down: async () => {
            throw new Error('network in use');
          },
        }),
      ),
    );
    expect(out.tornDown).toBe(false);
    expect(core.failed[0]).toMatch(/teardown of project bf-1-1-job failed: network in use/);
  });
});
