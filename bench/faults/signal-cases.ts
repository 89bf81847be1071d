/**
 * SIGINT and SIGTERM to `bf pipeline run` (embedded engine, demo_large) in the middle of its signals stage, which
 * writes features, breadth, breadth_series and signals into the lake. Then: does `bf lake verify` pass, is
 * anything half-written in --out, and does the next run end with the same files as a run never interrupted?
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BF_BIN, type FaultRow } from './common.ts';
import { run } from './observe.ts';

const bf = (args: string[]) => run(process.execPath, [BF_BIN, ...args], { ...process.env });
const pipeline = (workdir: string, out: string) => [
  'pipeline',
  'run',
  '--symbol-list',
  'demo_large',
  '--source',
  'sample',
  '--workdir',
  workdir,
  '--out',
  out,
];
const COMPARED = ['breadth.csv', 'signals.csv', 'trades.csv', 'forward_returns.csv'];

/** A run never interrupted, to compare the recovered run's files with. */
export async function referenceRun(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-ref-'));
  const p = bf(pipeline(await mkdtemp(join(tmpdir(), 'bf-faults-refw-')), out));
  if ((await p.exited).code !== 0) throw new Error('the reference run failed');
  return out;
}

export async function signalMidStage(signal: 'SIGINT' | 'SIGTERM', reference: string): Promise<FaultRow> {
  const workdir = await mkdtemp(join(tmpdir(), 'bf-faults-w-'));
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-o-'));
  const p = bf(pipeline(workdir, out));
  // The fetch stage ended: the signals stage (engine SQL, then lake writes) is running.
  const cue = await p.waitFor(/^stage fetch: /);
  await new Promise((r) => setTimeout(r, 1500));
  const sentAt = Date.now();
  const stillRunning = p.lines.every((l) => !l.text.startsWith('stage signals: '));
  p.kill(signal);
  const exit = await p.exited;
  const said = p.lines.find((l) => l.at >= sentAt && l.text.trim() !== '');
  const outAfterKill = await readdir(out);
  const verify = bf(['lake', 'verify', '--workdir', workdir]);
  const verified = await verify.exited;
  const again = bf(pipeline(workdir, out));
  const againExit = await again.exited;
  const differ: string[] = [];
  for (const f of COMPARED) {
    const [a, b] = await Promise.all([
      readFile(join(out, f), 'utf8').catch(() => ''),
      readFile(join(reference, f), 'utf8'),
    ]);
    if (a !== b) differ.push(f);
  }
  return {
    fault: `${signal} to bf pipeline run mid-stage (${stillRunning && cue ? 'signals' : 'after signals'})`,
    runner: 'bf pipeline run',
    detected: exit.code !== 0,
    seconds: (exit.at - sentAt) / 1000,
    named: said ? said.text : `exit by ${exit.signal ?? exit.code}, nothing said`,
    logLines: 0,
    leftRunning: 'none',
    dataLost: `lake verify exit ${verified.code}; --out after the signal: ${outAfterKill.length ? outAfterKill.join(' ') : 'empty'}; next run exit ${againExit.code}, ${differ.length ? `differs in ${differ.join(', ')}` : `${COMPARED.length} files byte-identical to an uninterrupted run`}`,
    message: said?.text ?? '(none)',
    exit: String(exit.code ?? exit.signal),
  };
}
