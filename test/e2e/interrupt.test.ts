/**
 * SIGINT and SIGTERM to a real `bf pipeline run` process in the middle of its signals stage (which writes
 * features, breadth, breadth_series and signals into the lake): the run says which stage it left and exits
 * 128 + the signal, nothing is half-written (lake verify passes, --out holds no file), and the next run ends with
 * the files of a run that was never interrupted, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPARED_FILES, interruptMidStage, pipelineArgs } from '../support/interrupt.ts';
import { runBf } from '../support/run-bf.ts';

describe('bf pipeline run interrupted mid-stage', () => {
  it('SIGINT then SIGTERM mid-stage: named, exit 130/143, nothing half-written, the next run recovers byte for byte', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-interrupt-'));
    const [workdir, out, refWork, refOut] = ['w', 'o', 'rw', 'ro'].map((d) => join(dir, d));
    const reference = runBf(pipelineArgs(refWork!, refOut!));

    const int = await interruptMidStage(workdir!, out!, 'SIGINT');
    expect(int.code, int.stderr).toBe(130);
    expect(int.stderr).toMatch(
      /^interrupted by SIGINT during stage signals: nothing is half-written \(the lake and \S+ keep their last whole versions\); run the same command again to finish$/m,
    );
    expect(existsSync(out!) ? readdirSync(out!) : []).toEqual([]);
    const verify = await runBf(['lake', 'verify', '--workdir', workdir!]);
    expect(verify.code, verify.stderr).toBe(0);

    const term = await interruptMidStage(workdir!, out!, 'SIGTERM');
    expect(term.code, term.stderr).toBe(143);
    expect(term.stderr).toMatch(/^interrupted by SIGTERM during stage signals: /m);
    expect(existsSync(out!) ? readdirSync(out!) : []).toEqual([]);

    const again = await runBf(pipelineArgs(workdir!, out!));
    expect(again.code, again.stderr).toBe(0);
    expect((await reference).code).toBe(0);
    for (const f of COMPARED_FILES) {
      expect(readFileSync(join(out!, f), 'utf8'), f).toBe(readFileSync(join(refOut!, f), 'utf8'));
    }
    expect((await runBf(['lake', 'verify', '--workdir', workdir!])).code).toBe(0);
  });
});

describe('an interrupt while DuckDB threads wait on a JavaScript table function', () => {
  // The fetch's CSV load and the window scan of signals generate: each hung process.exit before the exit hold.
  it.each([
    ['the window scan', 'window-scan-interrupt.ts', 'scan started'],
    ['the CSV load', 'csv-scan-interrupt.ts', 'load started'],
  ])('during %s: exits 130 within seconds instead of hanging', (what, script, started) => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '../support', script)], {
      encoding: 'utf8',
      timeout: 60_000,
      // A hung exit ignores SIGTERM (the handler is already exiting).
      killSignal: 'SIGKILL',
    });
    expect(r.error, "the process hung: killed by the test's timeout").toBeUndefined();
    expect(r.stderr).toContain(`${started}\n`);
    expect(r.stderr).toContain(`interrupted by SIGINT during ${what}\n`);
    expect(r.status, r.stderr).toBe(130);
  });
});
