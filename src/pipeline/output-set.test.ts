import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOutputSet } from '../../test/support/output-set.ts';
import { OutputSetMismatchError, verifiedOutputSet } from './output-set.ts';

describe('verifiedOutputSet: the files of a run, as its manifest.json lists them', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bf-output-set-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('every listed file in the manifest order, then manifest.json; files it does not list are not part of it', async () => {
    await writeOutputSet(dir, { 'b.csv': 'x\n', 'forward_returns.csv': 'h\n1\n' }, 'r-9');
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    expect(await verifiedOutputSet(dir)).toEqual({
      runId: 'r-9',
      files: ['b.csv', 'forward_returns.csv', 'manifest.json'].map((f) => path.join(dir, f)),
    });
  });

  it('a changed file is an OutputSetMismatchError naming it, both digests and the run', async () => {
    await writeOutputSet(dir, { 'a.csv': 'one\n', 'b.csv': 'two\n' });
    await writeFile(path.join(dir, 'b.csv'), 'TWO\n');
    const err = await verifiedOutputSet(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputSetMismatchError);
    expect((err as OutputSetMismatchError).file).toBe('b.csv');
    expect((err as Error).message).toMatch(
      /^output set .+: b\.csv has SHA-256 [0-9a-f]{64} \(4 bytes\), manifest\.json of run run-1 records [0-9a-f]{64} \(4 bytes\)$/,
    );
  });

  it('a listed file that is gone is named; no manifest, or one that is not bf.outputs, says so', async () => {
    await writeOutputSet(dir, { 'a.csv': 'one\n' });
    await unlink(path.join(dir, 'a.csv'));
    await expect(verifiedOutputSet(dir)).rejects.toThrow(
      /a\.csv is listed in manifest\.json but cannot be read \(ENOENT\)/,
    );
    await unlink(path.join(dir, 'manifest.json'));
    await expect(verifiedOutputSet(dir)).rejects.toThrow(/: no manifest\.json \(ENOENT\)/);
    await writeFile(path.join(dir, 'manifest.json'), '{"schema":"bf.outputs/v0","files":[]}');
    await expect(verifiedOutputSet(dir)).rejects.toThrow(/manifest\.json is not a bf\.outputs manifest/);
  });

  it('a name that leads out of the directory is refused, never read', async () => {
    await writeOutputSet(dir, { 'a.csv': 'one\n' });
    const m = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(dir, 'manifest.json'), 'utf8'),
    );
    m.files[0].name = '../a.csv';
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(verifiedOutputSet(dir)).rejects.toThrow(/\.\.\/a\.csv is not a file name of the set/);
  });
});
