/**
 * The fault table: each fault injected for real (a compose override, `docker kill`, a signal), run against bf
 * and, where it applies, against `docker compose up -d --wait` on the same compose files in the same run.
 * Per fault: detected, seconds from the fault to a line naming the failure, the service named, log lines shown,
 * what was left running, data lost (lake vs topic vs ES).
 *
 * Run (local images, under the stack lock): flock /tmp/bf-stack.lock node bench/faults.ts [--only infra|data|spark|signals] [--spark]
 * [--restart-dockerd] (--spark adds Spark to the data stack for the S3-stopped-mid-write case and the Delta row
 * counts; --restart-dockerd, with --spark, also restarts the machine's real dockerd mid-write: it stops every
 * container on the engine, so it runs only when asked and refuses while another project's containers run).
 */
import { type FaultRow, printTable } from './faults/common.ts';
import { daemonLostMidPipeline, daemonLostMidStart } from './faults/daemon-cases.ts';
import {
  esRestartMidSink,
  kafkaKilledMidPublish,
  s3StoppedMidWrite,
  startDataStack,
  stopDataStack,
  stopThenStart,
} from './faults/data-cases.ts';
import { dockerdRestartedMidWrite, ensureEngine } from './faults/dockerd-restart.ts';
import { INFRA_CASES, runInfraCase } from './faults/infra-cases.ts';
import { referenceRun, signalMidStage } from './faults/signal-cases.ts';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const rows: FaultRow[] = [];
const say = (r: FaultRow) =>
  process.stderr.write(
    `${r.fault} / ${r.runner}: detected ${r.detected}, ${r.seconds?.toFixed(1) ?? '—'} s, named ${r.named}, ${r.logLines} log lines, left ${r.leftRunning}: ${r.message}\n`,
  );

if (!only || only === 'infra') {
  for (const c of INFRA_CASES) {
    for (const runner of ['bf infra start', 'compose up --wait'] as const) {
      const r = await runInfraCase(c, runner);
      say(r);
      rows.push(r);
    }
  }
  const r = await daemonLostMidStart();
  say(r);
  rows.push(r);
}

// --only spark: the Spark cases alone (S3 stopped mid-write, the real daemon restart when asked, stop/start with
// the Delta row counts), on a stack of s3 and Spark's services.
if (!only || only === 'data' || only === 'spark') {
  const spark = args.includes('--spark') || only === 'spark';
  const sparkCases = spark
    ? [
        // twice: the lake's first write, then a write over the version the first recovery committed
        s3StoppedMidWrite,
        s3StoppedMidWrite,
        ...(args.includes('--restart-dockerd') ? [dockerdRestartedMidWrite] : []),
      ]
    : [];
  const cases =
    only === 'spark'
      ? [...sparkCases, stopThenStart]
      : [esRestartMidSink, kafkaKilledMidPublish, ...sparkCases, daemonLostMidPipeline, stopThenStart];
  const s = await startDataStack(spark, only === 'spark');
  try {
    for (const c of cases) {
      const r = await c(s);
      say(r);
      rows.push(r);
    }
  } finally {
    // The engine running (a case may have stopped it), then the stack torn down.
    await ensureEngine();
    await stopDataStack(s);
  }
}

if (!only || only === 'signals') {
  const reference = await referenceRun();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const r = await signalMidStage(sig, reference);
    say(r);
    rows.push(r);
  }
}

console.log(`\nfault table (${new Date().toISOString()}, local images)`);
printTable(rows);
// Every case waited for its processes; a stray handle (a relay socket, an events stream) must not hold the table.
process.exit(0);
