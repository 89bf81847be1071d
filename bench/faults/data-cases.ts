/**
 * Faults while data moves, on one stack started with `bf infra start` (kafka, elasticsearch, s3; local images):
 * Elasticsearch restarted mid-sink, Kafka killed mid-publish, and `bf infra stop` (no --volumes) then start.
 * Data lost = what the lake holds vs the distinct keys on the topic vs the documents in ES, after the next run.
 * Compose has no part in these (it brings containers up, it moves no data).
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { publishConfig } from '../../src/config/publish.ts';
import { defaultComposeFiles } from '../../src/config/stack.ts';
import { SPARK_SERVICES } from '../../src/engines/spark/jars.ts';
import { STAGING_PREFIX } from '../../src/engines/spark/spark-engine.ts';
import { ComposeProject } from '../../src/infra/compose.ts';
import { S3Lake, s3LakeConfig } from '../../src/lake/s3.ts';
import { esClient } from '../../src/publish/es.ts';
import { publishSignals } from '../../src/publish/producer.ts';
import { documentIds, topicDistinctKeys } from '../../src/publish/verify.ts';
import { silentLogger } from '../../src/util/log.ts';
import { pipelineArgs as demoLargeRunArgs } from '../../test/support/interrupt.ts';
import { sparkPipelineArgs } from '../../test/support/spark-pipeline.ts';
import { breadthBacklog } from '../support/breadth-backlog.ts';
import { BF_BIN, type FaultRow, portEnv } from './common.ts';
import { run, runningServices, watchEngine } from './observe.ts';

const SERVICES = 'kafka,elasticsearch,s3';
// The services the Spark engine needs, from the product (the driver spark-sql among them).
const WITH_SPARK = [SERVICES, ...SPARK_SERVICES].join(',');
const BACKLOG_LIST = 'fault_backlog';

export interface DataStack {
  services: string;
  project: string;
  env: NodeJS.ProcessEnv;
  compose: ComposeProject;
  workdir: string;
  bf(args: string[]): ReturnType<typeof run>;
}

/** The data stack: kafka, elasticsearch and s3; with Spark's services too (`spark`), or Spark's and s3 alone (`sparkOnly`). */
export async function startDataStack(spark = false, sparkOnly = false): Promise<DataStack> {
  const services = sparkOnly ? ['s3', ...SPARK_SERVICES].join(',') : spark ? WITH_SPARK : SERVICES;
  const project = `bf-fault-${Math.random().toString(36).slice(2, 8)}`;
  const env = await portEnv();
  const workdir = await mkdtemp(join(tmpdir(), 'bf-faults-'));
  const compose = new ComposeProject({ name: project, files: defaultComposeFiles({ local: true }), env });
  const bf = (args: string[]) => run(process.execPath, [BF_BIN, ...args], env);
  const up = bf(['infra', 'start', '--local', '--project', project, '--services', services]);
  const r = await up.exited;
  if (r.code !== 0) throw new Error(`bf infra start failed:\n${up.lines.map((l) => l.text).join('\n')}`);
  return { services, project, env, compose, workdir, bf };
}

/** `bf pipeline run` of demo_large with --publish on the embedded engine, in the stack's workdir. */
export function pipelineArgs(s: DataStack, out: string): string[] {
  return [...demoLargeRunArgs(s.workdir, out), '--publish', '--local', '--project', s.project];
}

/** Signals in the lake (the run's signals.csv) vs distinct topic keys vs ES documents, for one list. */
async function listCounts(s: DataStack, list: string, signalsCsv?: string) {
  const cfg = publishConfig(s.env);
  const lake = signalsCsv ? (await readFile(signalsCsv, 'utf8')).trim().split('\n').length - 1 : undefined;
  const topic = (await topicDistinctKeys(cfg, cfg.topics.signals, { symbolList: list })).distinctKeys;
  const es = (await documentIds(cfg, cfg.indices.signals, list)).length;
  const topicBreadth = (await topicDistinctKeys(cfg, cfg.topics.breadth, { symbolList: list })).distinctKeys;
  const esBreadth = (await documentIds(cfg, cfg.indices.breadth, list)).length;
  return { lake, topic, es, topicBreadth, esBreadth };
}

const countText = (c: Awaited<ReturnType<typeof listCounts>>) =>
  `${c.lake === undefined ? '' : `lake ${c.lake} / `}topic ${c.topic} / ES ${c.es} signals; topic ${c.topicBreadth} / ES ${c.esBreadth} breadth`;

const lost = (c: Awaited<ReturnType<typeof listCounts>>) =>
  (c.lake !== undefined && c.lake !== c.topic) || c.topic !== c.es || c.topicBreadth !== c.esBreadth;

/** `days` breadth rows per list for `lists` lists: a backlog the sink takes several seconds to index. */
async function publishBacklog(s: DataStack, lists: number, days: number): Promise<number> {
  const cfg = publishConfig(s.env);
  let n = 0;
  for (const { list, series } of breadthBacklog({ prefix: BACKLOG_LIST, lists, days, start: '1990-01-01' })) {
    await publishSignals(
      {
        events: [],
        series,
        context: { symbolList: list, synthetic: true, engine: 'duckdb', source: 'bench' },
      },
      cfg,
      silentLogger,
    );
    n += series.length;
  }
  return n;
}

async function esCount(s: DataStack, index: string): Promise<number> {
  const es = esClient(publishConfig(s.env));
  try {
    await es.indices.refresh({ index, ignore_unavailable: true });
    return (await es.count({ index, ignore_unavailable: true })).count;
  } finally {
    await es.close();
  }
}

/** Elasticsearch restarted (`docker compose restart`) while `bf sink run --until-caught-up` works off a backlog. */
export async function esRestartMidSink(s: DataStack): Promise<FaultRow> {
  const lists = 20;
  const days = 2000;
  const total = await publishBacklog(s, lists, days);
  const watch = watchEngine(s.project);
  const cfg = publishConfig(s.env);
  const sink = s.bf([
    'sink',
    'run',
    '--until-caught-up',
    '--batch-size',
    '200',
    '--json',
    '--local',
    '--project',
    s.project,
  ]);
  let before = 0;
  while (before === 0) {
    before = await esCount(s, cfg.indices.breadth).catch(() => 0);
    if (before === 0) await new Promise((r) => setTimeout(r, 50));
  }
  await execa('docker', s.compose.args('restart', 'elasticsearch'), { env: s.env });
  const exit = await sink.exited;
  await watch.stop();
  const faultAt = watch.first('elasticsearch', 'die')?.at;
  const noticed = sink.lines.find((l) => /elasticsearch at \S+ (unavailable|failed)/.test(l.text));
  let indexed = 0;
  for (let l = 0; l < lists; l++)
    indexed += (await documentIds(cfg, cfg.indices.breadth, `${BACKLOG_LIST}${l}`)).length;
  const failedLine = sink.lines.find((l) => l.text.startsWith('error: '));
  return {
    fault: `Elasticsearch restarted mid-sink (${before} of ${total} docs indexed)`,
    runner: 'bf sink run --until-caught-up',
    detected: noticed !== undefined,
    seconds: noticed && faultAt ? (noticed.at - faultAt) / 1000 : undefined,
    named: noticed ? 'elasticsearch' : 'no',
    logLines: 0,
    leftRunning: 'none',
    dataLost:
      exit.code === 0
        ? `${total - indexed} (topic ${total} / ES ${indexed}; the sink rode out the restart)`
        : `ES ${indexed} of ${total} until the next sink run`,
    message: failedLine?.text ?? noticed?.text ?? '(nothing said)',
    exit: String(exit.code ?? exit.signal),
  };
}

/** `docker kill` of the broker as the pipeline's publish stage begins; the next run (after bf infra start) recovers. */
export async function kafkaKilledMidPublish(s: DataStack): Promise<FaultRow> {
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-out-'));
  const watch = watchEngine(s.project);
  const p = s.bf(pipelineArgs(s, out));
  // `stage store` is the line right before the publish stage starts.
  await p.waitFor(/^stage store: /);
  const kafka = (await s.compose.ps()).find((c) => c.service === 'kafka')!;
  await execa('docker', ['kill', kafka.id]);
  const exit = await p.exited;
  await watch.stop();
  const faultAt = watch.first('kafka', 'die')?.at;
  const failure = p.lines.find((l) => l.text.startsWith('error: '));
  const text = p.lines.map((l) => l.text);
  const header = text.map((l) => /^--- kafka: last (\d+) log lines ---/.exec(l)).find(Boolean);
  const left = await runningServices(s.project);

  // Recovery as a user would: bring the stack back, run again.
  const up = s.bf(['infra', 'start', '--local', '--project', s.project, '--services', s.services]);
  await up.exited;
  const again = s.bf(pipelineArgs(s, out));
  const againExit = await again.exited;
  const c = await listCounts(s, 'demo_large', join(out, 'signals.csv'));
  return {
    fault: 'Kafka killed (docker kill) mid-publish',
    runner: 'bf pipeline run --publish',
    detected: exit.code !== 0 && failure !== undefined,
    seconds: failure && faultAt ? (failure.at - faultAt) / 1000 : undefined,
    named: failure && /\bkafka\b/.test(failure.text) ? 'kafka' : 'no',
    logLines: header ? Number(header[1]) : 0,
    leftRunning: `bf exited; stack: ${left.join(', ') || 'none'}`,
    dataLost: `${lost(c) ? 'YES' : 'none'} after the next run (exit ${againExit.code}): ${countText(c)}`,
    message: failure?.text ?? '(no error line)',
    exit: String(exit.code ?? exit.signal),
  };
}

/** `bf infra stop` (no --volumes) then `bf infra start`: topics, indices and the bucket's objects still there. */
export async function stopThenStart(s: DataStack): Promise<FaultRow> {
  // Topics and indices where the stack has kafka and elasticsearch (the Spark-only stack has neither).
  const lists = s.services.includes('kafka') ? ['demo_large', `${BACKLOG_LIST}0`] : [];
  const before = await Promise.all(lists.map((l) => listCounts(s, l)));
  // The lake as the Spark engine reads it: rows per Delta table (a stack without Spark has none to read).
  const lake = async () => (s.services.includes('spark') ? await deltaRows(s) : undefined);
  const lakeBefore = await lake();
  const stop = s.bf(['infra', 'stop', '--local', '--project', s.project]);
  await stop.exited;
  const leftAfterStop = await runningServices(s.project);
  const start = s.bf(['infra', 'start', '--local', '--project', s.project, '--services', s.services]);
  const started = await start.exited;
  const after = await Promise.all(lists.map((l) => listCounts(s, l)));
  const lakeAfter = await lake();
  const same =
    JSON.stringify(before) === JSON.stringify(after) &&
    JSON.stringify(lakeBefore) === JSON.stringify(lakeAfter);
  return {
    fault: 'bf infra stop (no --volumes), then start',
    runner: 'bf infra stop / start',
    detected: true,
    seconds: undefined,
    named: 'n/a',
    logLines: 0,
    leftRunning: `after stop: ${leftAfterStop.join(', ') || 'none'}`,
    dataLost: `${same ? 'none' : 'YES'}: ${[
      ...after.map(countText),
      `Delta rows ${s.services.includes('spark') ? `${rowsText(lakeBefore)} → ${rowsText(lakeAfter)}` : 'n/a (no Spark on this stack)'}`,
    ].join('; ')}`,
    message:
      started.code === 0
        ? 'started again'
        : start.lines
            .map((l) => l.text)
            .join(' ')
            .slice(0, 200),
    exit: String(started.code),
  };
}

export async function stopDataStack(s: DataStack): Promise<void> {
  await s.compose.down({ volumes: true }).catch(() => {});
}

/** Rows per Delta table of the lake on the stack's S3 store (`bf lake ls --engine spark`); undefined when it fails. */
async function deltaRows(s: DataStack): Promise<Record<string, number> | undefined> {
  const p = s.bf(['lake', 'ls', '--engine', 'spark', '--json']);
  if ((await p.exited).code !== 0) return undefined;
  const j = JSON.parse(
    p.lines
      .filter((l) => l.stream === 'stdout')
      .map((l) => l.text)
      .join('\n'),
  ) as { tables?: { table: string; rows: number }[] };
  return Object.fromEntries((j.tables ?? []).map((t) => [t.table, t.rows]));
}

const rowsText = (r: Record<string, number> | undefined) =>
  r
    ? Object.entries(r)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ') || 'no tables'
    : 'unreadable';

/** The Spark MERGE of the fetched bars into Delta prices has been submitted: the moment a Spark case injects its fault. */
export const SPARK_WRITING = /^spark: merge-prices: running /;

/**
 * After a fault in a Spark run, as a user recovers: `bf infra start`, then `bf lake verify --engine spark` (no
 * half-written Delta commit: every file each table's log lists exists with its logged size; the previous version
 * readable), then the same run again, and the Delta prices rows it left.
 */
export async function recoverSparkRun(s: DataStack, args: string[]) {
  const upAt = performance.now();
  const up = s.bf(['infra', 'start', '--local', '--project', s.project, '--services', s.services]);
  const started = await up.exited;
  const upSeconds = (performance.now() - upAt) / 1000;
  const verify = s.bf(['lake', 'verify', '--engine', 'spark']);
  const verified = await verify.exited;
  const again = s.bf(args);
  const againExit = await again.exited;
  const result =
    againExit.code === 0
      ? (JSON.parse(
          again.lines
            .filter((l) => l.stream === 'stdout')
            .map((l) => l.text)
            .join('\n'),
        ) as { bars: number })
      : undefined;
  const rows = await deltaRows(s);
  const staged = await stagedObjects(s);
  const verifyText = `lake verify after the fault: exit ${verified.code}${verified.code === 0 ? '' : ` (${verify.lines.find((l) => l.text.startsWith('error: '))?.text ?? ''})`}`;
  return {
    startExit: started.code,
    againExit: againExit.code,
    text: `bf infra start exit ${started.code} in ${upSeconds.toFixed(1)} s; next run exit ${againExit.code}: Delta prices ${rows?.prices ?? '?'} rows, the run fetched ${result?.bars ?? '?'} bars; ${verifyText}; staged input objects left in the bucket: ${staged}`,
  };
}

/** Objects under the lake bucket's staging prefix (each job deletes its own when it ends, if the store answers). */
async function stagedObjects(s: DataStack): Promise<number | string> {
  const lake = new S3Lake(s3LakeConfig(s.env));
  try {
    return (await lake.list(`${STAGING_PREFIX}/`)).length;
  } catch {
    return '?';
  } finally {
    lake.close();
  }
}

/** Spark job directories the driver left in spark-master's /tmp. */
async function sparkJobDirs(s: DataStack): Promise<string> {
  const r = await execa(
    'docker',
    s.compose.args('exec', '-T', 'spark-master', 'sh', '-c', 'ls -d /tmp/bf-job-* 2>/dev/null | wc -l'),
    { env: s.env, reject: false },
  );
  return r.stdout.trim() || '?';
}

/** When the driver's container (spark-sql) last started: a new time after a case means it was restarted. */
async function driverStartedAt(s: DataStack): Promise<string> {
  const id = await execa('docker', s.compose.args('ps', '-q', 'spark-sql'), { env: s.env, reject: false });
  const r = await execa('docker', ['inspect', '-f', '{{.State.StartedAt}}', id.stdout.trim() || 'none'], {
    reject: false,
  });
  return r.stdout.trim();
}

/**
 * `docker stop` of the S3 store while `bf pipeline run --engine spark` writes its lake; the next run recovers.
 * Run first on an empty lake (its first write), then again: a previous Delta version exists, and the MERGE reads it.
 */
export async function s3StoppedMidWrite(s: DataStack): Promise<FaultRow> {
  const out = await mkdtemp(join(tmpdir(), 'bf-faults-spark-'));
  const args = sparkPipelineArgs(s.project, out, '--json');
  const before = (await deltaRows(s))?.prices;
  const driverBefore = await driverStartedAt(s);
  const watch = watchEngine(s.project);
  const p = s.bf(args);
  await p.waitFor(SPARK_WRITING);
  await new Promise((r) => setTimeout(r, 1000));
  await execa('docker', s.compose.args('stop', 's3'), { env: s.env });
  const exit = await p.exited;
  await watch.stop();
  const faultAt = watch.first('s3', 'die')?.at;
  const failure = p.lines.find((l) => l.text.startsWith('error: '));
  const text = p.lines.map((l) => l.text);
  const header = text.map((l) => /^--- (s3|spark-master): last (\d+) log lines ---/.exec(l)).find(Boolean);
  const drivers = await sparkJobDirs(s);
  const recovered = await recoverSparkRun(s, args);
  const driver = (await driverStartedAt(s)) === driverBefore ? 'the same driver' : 'the driver restarted';
  return {
    fault: `S3 stopped (docker stop) mid-write, ${before === undefined ? "the lake's first write" : `Delta prices ${before} rows before`}`,
    runner: 'bf pipeline run --engine spark',
    detected: exit.code !== 0 && failure !== undefined,
    seconds: failure && faultAt ? (failure.at - faultAt) / 1000 : undefined,
    named: failure
      ? /\bs3\b|S3 store/.test(failure.text)
        ? 's3'
        : failure.text.includes('spark')
          ? 'spark (not s3)'
          : 'no'
      : 'no',
    logLines: header ? Number(header[2]) : 0,
    leftRunning: `Spark job directories left in spark-master: ${drivers}`,
    dataLost: `${recovered.text}; ${driver}`,
    message: failure?.text ?? '(no error line)',
    exit: String(exit.code ?? exit.signal),
  };
}
