import { escapeControl } from '../../src/util/escape.ts';
import { freePortEnv } from '../../test/support/stack.ts';

/** The CLI a user runs. */
export { BF_BIN } from '../../test/support/run-bf.ts';

/** One line of the fault table. */
export interface FaultRow {
  fault: string;
  runner: string;
  /** The command failed and said so (a line reporting the failure). */
  detected: boolean;
  /** From the fault (the engine's event, or the command's start) to the first line reporting it. */
  seconds: number | undefined;
  /** The service the failure names (`no` when none). */
  named: string;
  /** Lines of the failing service's log in the command's output. */
  logLines: number;
  /** Services of the project still running after the command returned. */
  leftRunning: string;
  /** Lake vs topic vs ES counts, or `n/a`. */
  dataLost: string;
  /** The first line that reported the failure. */
  message: string;
  /** Exit code or signal. */
  exit: string;
}

/** This process's environment with free host ports for every port of the stack and the local images. */
export function portEnv(): Promise<NodeJS.ProcessEnv> {
  return freePortEnv({ ...process.env, BF_LOCAL_IMAGES: '1' });
}

export function printTable(rows: readonly FaultRow[]): void {
  const head = [
    'fault',
    'runner',
    'detected',
    's to named failure',
    'service named',
    'log lines',
    'left running',
    'data lost',
    'exit',
    'first failure line',
  ];
  const cell = (s: string) => escapeControl(s).replace(/\|/g, '\\|');
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    console.log(
      `| ${[
        r.fault,
        r.runner,
        r.detected ? 'yes' : 'no',
        r.seconds === undefined ? '—' : r.seconds.toFixed(1),
        r.named,
        String(r.logLines),
        r.leftRunning,
        r.dataLost,
        r.exit,
        r.message.length > 110 ? `${r.message.slice(0, 110)}…` : r.message,
      ]
        .map(cell)
        .join(' | ')} |`,
    );
  }
}
