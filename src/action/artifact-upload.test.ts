import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadArtifact } from './artifact-upload.ts';
import { type ResultsPeer, startResultsPeer } from './testing/results-peer.ts';
import { unzip } from './testing/unzip.ts';

// The real @actions/artifact client against the local Results-protocol peer (a stand-in for GitHub's service).
describe('uploadArtifact over the Actions Results protocol', () => {
  let peer: ResultsPeer;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    peer = await startResultsPeer();
    dir = await mkdtemp(path.join(tmpdir(), 'bf-artifact-'));
    process.env.ACTIONS_RUNTIME_TOKEN = peer.token;
    process.env.ACTIONS_RESULTS_URL = peer.url;
  });
  afterAll(async () => {
    process.env = saved;
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads report files and the peer receives them byte for byte', async () => {
    const files = {
      'report.html': '<!doctype html><h1>bf</h1>\n',
      'metrics.json': JSON.stringify({ cagr: 0.071, sharpe: 0.62 }),
      'signals.csv': 'date,signal,value\n2024-01-02,zweig_breadth_thrust,0.615\n',
      // Incompressible and over one block of the zip stream's buffers, to exercise real block staging.
      'equity.svg': randomBytes(3 * 1024 * 1024),
    };
    await mkdir(path.join(dir, 'logs'));
    await writeFile(path.join(dir, 'logs', 'kafka.log'), 'started\n');
    for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), body);
    const paths = [...Object.keys(files), 'logs/kafka.log', 'missing.csv'].map((f) => path.join(dir, f));

    const res = await uploadArtifact({
      name: 'bf-report',
      rootDirectory: dir,
      files: paths,
      retentionDays: 3,
    });

    expect(peer.errors).toEqual([]);
    const got = peer.artifacts.get('bf-report');
    expect(got?.finalized).toBe(true);
    expect(res.id).toBe(got?.id);
    expect(res.files.sort()).toEqual([...Object.keys(files), 'logs/kafka.log'].sort());
    // Azure block-blob semantics as the client performs them: stage blocks, commit the list, then finalize.
    expect(got?.calls).toEqual(['CreateArtifact', 'PutBlock', 'PutBlockList', 'FinalizeArtifact']);
    expect(got?.mimeType).toBe('application/zip');
    expect(got?.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(got?.reportedSize).toBe(got?.bytes.length);
    expect(got?.reportedHash).toBe(`sha256:${createHash('sha256').update(got!.bytes).digest('hex')}`);

    const entries = unzip(got!.bytes);
    expect([...entries.keys()].sort()).toEqual(res.files.sort());
    for (const rel of res.files) {
      expect(entries.get(rel)!.equals(await readFile(path.join(dir, rel))), rel).toBe(true);
    }
  });

  it('peer rejects a wrong token and a blob URL it never handed out', async () => {
    const twirp = `${peer.url}twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`;
    const bad = await fetch(twirp, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const blob = await fetch(`${peer.url}blob/x/1/y.zip?sig=z`, { method: 'PUT', body: 'x' });
    expect(blob.status).toBe(404);
    expect(peer.errors.splice(0)).toHaveLength(2);
  });

  it('names the directory when no file exists', async () => {
    await expect(
      uploadArtifact({ name: 'empty', rootDirectory: dir, files: [path.join(dir, 'nope.csv')] }),
    ).rejects.toThrow(/none of 1 files exist/);
    expect(peer.artifacts.has('empty')).toBe(false);
  });
});
