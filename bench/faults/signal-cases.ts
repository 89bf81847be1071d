/**
 * SIGINT and SIGTERM to `bf pipeline run` (embedded engine, demo_large) in the middle of its signals stage, which
 * writes features, breadth, breadth_series and signals into the lake. Then: does `bf lake verify` pass, is
 * anything half-written in --out, and does the next run end with the same files as a run never interrupted?
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPARED_FILES, interruptMidStage, pipelineArgs } from '../../test/support/interrupt.ts';
import { BF_BIN, type FaultRow } from './common.ts';
import { run } from './observe.ts';

const bf = (args: string[]) => run(process.execPath, [BF_BIN, ...args], { ...process.env });

/** A run never interrupted, to compare the recovered run's files with. */
export async function referenceRun(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-ref-'));
  const p = bf(pipelineArgs(await mkdtemp(join(tmpdir(), 'bf-faults-refw-')), out));
  if ((await p.exited).code !== 0) throw new Error('the reference run failed');
  return out;
}

export async function signalMidStage(signal: 'SIGINT' | 'SIGTERM', reference: string): Promise<FaultRow> {
  const workdir = await mkdtemp(join(tmpdir(), 'bf-faults-w-'));
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-o-'));
  // 1.5 s into the signals stage (the test sends at 0.3 s): the lake writes are under way.
  const p = await interruptMidStage(workdir, out, signal, { delayMs: 1500 });
  const said = p.lines.find((l) => l.at >= p.sentAt && l.text.trim() !== '');
  const outAfterKill = await readdir(out);
  const verify = bf(['lake', 'verify', '--workdir', workdir]);
  const verified = await verify.exited;
  const again = bf(pipelineArgs(workdir, out));
  const againExit = await again.exited;
  const differ: string[] = [];
  for (const f of COMPARED_FILES) {
    const [a, b] = await Promise.all([
      readFile(join(out, f), 'utf8').catch(() => ''),
      readFile(join(reference, f), 'utf8'),
    ]);
    if (a !== b) differ.push(f);
  }
  return {
    fault: `${signal} to bf pipeline run mid-stage (${p.midStage ? 'signals' : 'after signals'})`,
    runner: 'bf pipeline run',
    detected: p.code !== 0,
    seconds: (p.exitAt - p.sentAt) / 1000,
    named: said ? said.text : `exit by ${p.signal ?? p.code}, nothing said`,
    logLines: 0,
    leftRunning: 'none',
    dataLost: `lake verify exit ${verified.code}; --out after the signal: ${outAfterKill.length ? outAfterKill.join(' ') : 'empty'}; next run exit ${againExit.code}, ${differ.length ? `differs in ${differ.join(', ')}` : `${COMPARED_FILES.length} files byte-identical to an uninterrupted run`}`,
    message: said?.text ?? '(none)',
    exit: String(p.code ?? p.signal),
  };
}
