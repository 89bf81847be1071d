import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BF_BIN, runBf } from '../support/run-bf.ts';

/** Runs bf with its stdout read up to the first chunk and then closed, as `bf … | head -1` does. */
function readFirstChunkThenClose(
  args: string[],
): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BF_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString();
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => done({ code, first, stderr }));
  });
}

describe('a reader that stops early', () => {
  it('ends bf quietly (exit 0, no EPIPE stack trace) when stdout is closed mid-output', async () => {
    const workdir = join(mkdtempSync(join(tmpdir(), 'bf-pipe-')), 'wd');
    const fetched = await runBf(['data', 'fetch', '--symbol-list', 'demo_small', '--workdir', workdir]);
    expect(fetched.code, fetched.stderr).toBe(0);
    // ~2 MB of CSV: far more than a pipe holds, so bf is still writing when the reader has gone.
    const r = await readFirstChunkThenClose([
      'lake',
      'show',
      'prices',
      '--csv',
      '--limit',
      '100000',
      '--workdir',
      workdir,
    ]);
    expect(r.first).toMatch(/^symbol,date,/);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(r.code).toBe(0);
  });
});
