/**
 * The Spark engine against the real stack (locally built images): Spark standalone master + worker, the long-lived
 * driver (Spark Thrift Server, service spark-sql) and the S3 store.
 * Run: npx vitest run --project stack test/stack/spark-engine.test.ts
 * Own project name and free host ports; torn down with its volumes at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSparkVsEmbedded } from '../../bench/spark-vs-embedded.ts';
import { hostPort, s3Settings } from '../../src/config/stack.ts';
import type { DailyBar } from '../../src/domain/bar.ts';
import type { BreadthDay } from '../../src/domain/breadth.ts';
import { SIGNAL_NAMES } from '../../src/domain/signal.ts';
import { DuckDbEngine } from '../../src/engines/duckdb/index.ts';
import { openHs2Session } from '../../src/engines/spark/hs2.ts';
import { SPARK_SERVICES } from '../../src/engines/spark/jars.ts';
import { DEFAULT_SPARK_SETTINGS } from '../../src/engines/spark/spark-config.ts';
import { SparkEngine, SparkJobError } from '../../src/engines/spark/spark-engine.ts';
import { newRunId, STAGING_ORPHAN_MS, STAGING_PREFIX } from '../../src/engines/spark/staging.ts';
import { s3Client } from '../../src/infra/readiness/checks.ts';
import { type StartedStack, startStack } from '../../src/infra/stack.ts';
import { Lake } from '../../src/lake/index.ts';
import { S3StoreError, s3LakeConfig } from '../../src/lake/s3.ts';
import { lakeVerifyShape } from '../../src/report/schemas.ts';
import { deriveBreadthSeries } from '../../src/signals/breadth-series.ts';
import { generateSignals } from '../../src/signals/rules.ts';
import { createSampleSource } from '../../src/sources/sample.ts';
import { resolveSymbolList } from '../../src/sources/symbols.ts';
import { BfError } from '../../src/util/errors.ts';
import type { Logger } from '../../src/util/log.ts';
import { runBf } from '../support/run-bf.ts';
import { sparkPipelineArgs } from '../support/spark-pipeline.ts';
import { startTestStack } from '../support/stack.ts';

const RANGE = { start: '2021-01-01', end: '2023-12-31' };

const lines: string[] = [];
const progress: string[] = [];
const logger: Logger = {
  info: (m) => lines.push(m),
  warn: (m) => lines.push(`warning: ${m}`),
  error: (m) => lines.push(`error: ${m}`),
  progress: (m) => progress.push(m),
};

let env: NodeJS.ProcessEnv;
let stack: StartedStack;
let spark: SparkEngine;
let symbols: string[];
let bars: DailyBar[];

beforeAll(async () => {
  ({ stack, env } = await startTestStack([...SPARK_SERVICES, 's3'], { logger }));
  // Progress polled more often than the default, so a short job on sample data still shows several snapshots.
  const settings = { ...DEFAULT_SPARK_SETTINGS, progressIntervalMs: 250 };
  spark = await SparkEngine.open({ compose: stack.compose, s3: s3LakeConfig(env), logger, settings });
  symbols = (await resolveSymbolList('demo_small')).symbols;
  bars = (await createSampleSource().fetch(symbols, RANGE, logger)).bars;
}, 600_000);

afterAll(async () => {
  await spark?.close();
  await stack?.down({ volumes: true });
  const times = spark?.jobTimes.map((j) => `${j.stage} ${(j.ms / 1000).toFixed(1)} s`).join(', ');
  if (times) console.log(`spark job times: ${times}`);
}, 300_000);

/** Delta commits of a table: the JSON files of its _delta_log. */
async function deltaCommits(table: string): Promise<string[]> {
  const keys = await spark.s3.list(`${spark.s3.tableKey(table)}/_delta_log/`);
  return keys.filter((k) => /\/\d{20}\.json$/.test(k)).sort();
}

/** The driver's log line for a slow write's statement (its rows sleep in java.lang.Thread). */
const SLOW_WRITE = /Submitting query .*java\.lang\.Thread/;

/** Matches of `statement` in the driver's log (across its restarts). */
async function driverLogCount(statement: RegExp): Promise<number> {
  return (await stack.compose.logs('spark-sql', 100_000)).filter((l) => statement.test(l)).length;
}

/** Until the driver's log shows `statement` once more than `before` times (then 8 s: its task is inside the write). */
async function untilDriverRuns(statement: RegExp, before: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await driverLogCount(statement)) <= before) {
    if (Date.now() > deadline) throw new Error('the slow write never reached the driver');
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 8_000));
}

/** When the driver's container last started (a restarted driver has a new time). */
async function driverStartedAt(): Promise<string> {
  const [c] = (await stack.compose.ps()).filter((x) => x.service === 'spark-sql');
  const r = await stack.compose.exec.run(
    'docker',
    ['inspect', '-f', '{{.State.StartedAt}}', c?.id ?? 'none'],
    {
      env: stack.compose.env,
    },
  );
  return r.stdout.trim();
}

async function masterApps(): Promise<{ active: string[]; completed: string[] }> {
  const res = await fetch(`http://127.0.0.1:${hostPort('spark-master', 'ui', env)}/json/`);
  const body = (await res.json()) as {
    activeapps: { name: string }[];
    completedapps: { name: string }[];
  };
  return { active: body.activeapps.map((a) => a.name), completed: body.completedapps.map((a) => a.name) };
}

describe('SparkEngine on the stack', () => {
  let sparkDays: BreadthDay[];
  let duckDays: BreadthDay[];

  it('merges bars into Delta prices; the same bars again commit nothing', async () => {
    const first = await spark.writePrices(bars, { source: 'sample', synthetic: true, range: RANGE });
    expect(first).toEqual({
      rows: bars.length,
      symbols: symbols.length,
      replaced: 0,
      added: bars.length,
      vanished: [],
      dropped: false,
    });
    const commits = await deltaCommits('prices');
    const meta = await spark.readMeta('prices');

    const again = await spark.writePrices(bars, { source: 'sample', synthetic: true, range: RANGE });
    expect(again).toEqual({ ...first, added: 0 });
    expect(await deltaCommits('prices')).toEqual(commits);
    // Same Delta version; only the lineage's fetch time is newer.
    expect(await spark.readMeta('prices')).toMatchObject({ files: meta?.files, rows: meta?.rows });
    expect(Object.keys(meta?.lineage ?? {})).toEqual([...symbols].sort());
    expect(meta).toMatchObject({ table: 'prices', source: 'sample', synthetic: true, rows: bars.length });
  });

  it('breadth on the cluster equals the embedded engine on the same input', async () => {
    progress.length = 0;
    sparkDays = await spark.computeBreadth(symbols);
    // While it ran, its Spark jobs and stages were read from the driver's /api/v1 and reported as progress.
    const sparkLines = progress.filter((l) => /^ {2}… spark bf-\S+: breadth: /.test(l));
    expect(sparkLines.length, progress.join('\n')).toBeGreaterThan(1);
    expect(sparkLines.some((l) => /job \d+ \(\d+\/\d+ stages, \d+\/\d+ tasks\)/.test(l))).toBe(true);
    expect(sparkLines.some((l) => /stage \d+ .*\d+\/\d+ tasks/.test(l))).toBe(true);
    console.log(`spark progress: ${sparkLines.length} line(s), e.g.\n${sparkLines.slice(-3).join('\n')}`);
    const dir = await mkdtemp(join(tmpdir(), 'bf-parity-'));
    try {
      const duck = await DuckDbEngine.open(Lake.open(dir));
      await duck.writePrices(bars, { source: 'sample', synthetic: true });
      duckDays = await duck.computeBreadth(symbols);
      await duck.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(sparkDays.length).toBe(duckDays.length);
    expect(sparkDays.length).toBeGreaterThan(700);
    let maxEwDiff = 0;
    for (let i = 0; i < duckDays.length; i++) {
      const d = duckDays[i] as BreadthDay;
      const s = sparkDays[i] as BreadthDay;
      expect({ ...s, ewReturn: null }).toEqual({ ...d, ewReturn: null });
      expect(s.ewReturn === null).toBe(d.ewReturn === null);
      if (s.ewReturn !== null && d.ewReturn !== null)
        maxEwDiff = Math.max(maxEwDiff, Math.abs(s.ewReturn - d.ewReturn));
    }
    expect(maxEwDiff).toBeLessThanOrEqual(1e-12);
    console.log(`parity: ${sparkDays.length} breadth days identical, max |Δ ew_return| = ${maxEwDiff}`);

    const signalDates = (days: BreadthDay[]) =>
      generateSignals(deriveBreadthSeries(days), SIGNAL_NAMES).map((e) => `${e.date} ${e.signal}`);
    const sparkSignals = signalDates(sparkDays);
    expect(sparkSignals).toEqual(signalDates(duckDays));
    console.log(`parity: ${sparkSignals.length} signal firings identical`);

    expect(await spark.readMeta('breadth')).toMatchObject({
      rows: sparkDays.length,
      symbols: [...symbols].sort(),
    });
    // Every job ran in the one long-lived driver application on the standalone master: no application per job.
    const apps = await masterApps();
    expect(apps.active).toEqual(['bf-sql']);
    expect(apps.completed).toEqual([]);
  });

  it('breadth over part of the list and a narrower range sees only those bars, as the embedded engine does', async () => {
    const some = symbols.slice(0, 10);
    const range = { start: '2022-03-01', end: '2022-12-30' };
    const sparkPart = await spark.computeBreadth(some, range);
    const dir = await mkdtemp(join(tmpdir(), 'bf-parity-range-'));
    let duckPart: BreadthDay[];
    try {
      const duck = await DuckDbEngine.open(Lake.open(dir));
      // The embedded lake gets only the run's bars: what a fresh workdir fetched for exactly this scope holds.
      await duck.writePrices(
        bars.filter((b) => some.includes(b.symbol) && b.date >= range.start && b.date <= range.end),
        { source: 'sample', synthetic: true },
      );
      duckPart = await duck.computeBreadth(some);
      await duck.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(sparkPart[0]?.date).toBe('2022-03-01');
    expect(sparkPart.at(-1)?.date).toBe('2022-12-30');
    expect(sparkPart.length).toBe(duckPart.length);
    expect(Math.max(...sparkPart.map((d) => d.issues))).toBeLessThanOrEqual(some.length);
    for (let i = 0; i < duckPart.length; i++) {
      const d = duckPart[i] as BreadthDay;
      const s = sparkPart[i] as BreadthDay;
      expect({ ...s, ewReturn: null }).toEqual({ ...d, ewReturn: null });
      if (s.ewReturn !== null && d.ewReturn !== null)
        expect(Math.abs(s.ewReturn - d.ewReturn)).toBeLessThan(1e-12);
    }
  });

  it('a changed bar is one new commit; writeTables replaces small tables; readTables returns them typed', async () => {
    const before = await deltaCommits('prices');
    const target = bars[10] as DailyBar;
    const changed = { ...target, volume: (target.volume ?? 0) + 1 };
    const out = await spark.writePrices([changed], { source: 'sample', synthetic: true });
    expect(out.rows).toBe(bars.length);
    expect((await deltaCommits('prices')).length).toBe(before.length + 1);

    const columns = [
      { name: 'date', type: 'DATE' },
      { name: 'signal', type: 'VARCHAR' },
      { name: 'value', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
      { name: 'ok', type: 'BOOLEAN' },
    ] as const;
    const rows = [
      { date: '2024-01-02', signal: 'zweig', value: 0.615000001, n: 3, ok: true },
      { date: '2024-02-03', signal: 'deemer', value: null, n: 9_007_199_254_740_991, ok: false },
    ];
    const metas = await spark.writeTables([
      { table: 'signals', rows, columns, meta: { source: 'sample', synthetic: true } },
      { table: 'backtest_summary', rows: [{ signal: 'v1' }], columns: [{ name: 'signal', type: 'VARCHAR' }] },
    ]);
    expect(metas[0]).toMatchObject({ table: 'signals', rows: 2, source: 'sample', synthetic: true });
    expect(metas[1]).toMatchObject({ table: 'backtest_summary', rows: 1, source: 'bf', synthetic: false });
    // The tables were written concurrently; the versions bf records (read from each _delta_log over S3, no
    // statement) are what the driver's own DESCRIBE HISTORY says.
    const session = await openHs2Session({ host: '127.0.0.1', port: hostPort('spark-sql', 'thrift', env) });
    try {
      for (const m of metas) {
        const url = spark.s3.s3aUrl(spark.s3.tableKey(m.table));
        const [h] = await session.query(`DESCRIBE HISTORY delta.\`${url}\` LIMIT 1`);
        expect(m.files).toEqual([`delta version ${h?.version}`]);
        expect(m.files).toEqual([`delta version ${(await deltaCommits(m.table)).length - 1}`]);
      }
    } finally {
      await session.close();
    }

    const [prices, signals] = await spark.readTables(['prices', 'signals']);
    expect(prices).toHaveLength(bars.length);
    const back = prices?.find((r) => r.symbol === target.symbol && r.date === target.date);
    expect(back?.volume).toBe(changed.volume);
    expect(back?.adj_close).toBe(target.adjClose);
    signals?.sort((a, b) => String(a.date).localeCompare(String(b.date)));
    expect(signals).toEqual(rows);
  });

  it('Delta and S3A come from the mounted jars on driver and executors: no package resolution, no jar copies', async () => {
    const session = await openHs2Session({ host: '127.0.0.1', port: hostPort('spark-sql', 'thrift', env) });
    try {
      const cp = "java_method('java.lang.System', 'getProperty', 'java.class.path')";
      const [driver] = await session.query(`SELECT ${cp} AS cp`);
      // Four partitions: the expression runs in the executors' tasks.
      const executors = await session.query(`SELECT DISTINCT ${cp} AS cp FROM range(0, 4, 1, 4)`);
      for (const classpath of [driver, ...executors].map((r) => String(r?.cp))) {
        const jars = classpath.split(':').filter((e) => e.endsWith('.jar'));
        // Only the image's own jars, then the mounted ones appended: nothing from an Ivy cache or a work dir.
        expect(
          jars.filter((j) => !j.startsWith('/opt/spark/jars/') && !j.startsWith('/opt/bf/jars/')),
        ).toEqual([]);
        const firstMounted = jars.findIndex((j) => j.startsWith('/opt/bf/jars/'));
        expect(firstMounted).toBeGreaterThan(0);
        expect(jars.slice(firstMounted).every((j) => j.startsWith('/opt/bf/jars/'))).toBe(true);
        expect(jars.some((j) => j.endsWith('/delta-spark_2.13-4.0.1.jar'))).toBe(true);
      }
    } finally {
      await session.close();
    }
    const driverLog = await stack.compose.logs('spark-sql', 5000);
    expect(driverLog.join('\n')).not.toMatch(
      /Ivy Default Cache|resolving dependencies|spark\.jars\.packages/,
    );
    const work = await stack.compose.exec.run(
      'docker',
      stack.compose.args(
        'exec',
        '-T',
        'spark-worker',
        'sh',
        '-c',
        'du -sk /opt/spark/work | cut -f1; find /opt/spark/work -name "*.jar" | wc -l',
      ),
      { env: stack.compose.env },
    );
    const [kb, jars] = work.stdout.trim().split(/\s+/);
    console.log(
      `worker work dir after the jobs: ${kb} KiB, ${jars} jar files (driver log: ${driverLog.length} lines)`,
    );
    expect(Number(jars)).toBe(0);
  });

  it('a re-fetch lacking bars names them and commits nothing; with replace they go in one commit', async () => {
    // The last symbol: the changed-bar test above edits a bar of the first.
    const symbol = symbols.at(-1) as string;
    const own = bars.filter((b) => b.symbol === symbol);
    const lacking = own.slice(3);
    const commits = await deltaCommits('prices');
    const kept = await spark.writePrices(lacking, { source: 'csv:/d', synthetic: false, range: RANGE });
    const gone = { symbol, bars: 3, first: own[0]?.date, last: own[2]?.date };
    expect(kept).toMatchObject({
      rows: bars.length,
      replaced: 0,
      added: 0,
      vanished: [gone],
      dropped: false,
    });
    expect(await deltaCommits('prices')).toEqual(commits);
    const dropped = await spark.writePrices(lacking, {
      source: 'csv:/d',
      synthetic: false,
      range: RANGE,
      replace: true,
    });
    expect(dropped).toMatchObject({ rows: bars.length - 3, vanished: [gone], dropped: true });
    expect((await deltaCommits('prices')).length).toBe(commits.length + 1);
    const lineage = (await spark.readMeta('prices'))?.lineage;
    expect(lineage?.[symbol]?.map((seg) => seg.source)).toEqual(['csv:/d']);
    expect(new Set(lineage?.[symbols[1] as string]?.map((seg) => seg.source))).toEqual(new Set(['sample']));
  });

  it('a failing Spark job is a SparkJobError naming the stage, the service and the error', async () => {
    const err = await spark.runFailingSql('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SparkJobError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^spark engine: sql: Spark job on spark-sql failed/);
    expect(msg).toContain('TABLE_OR_VIEW_NOT_FOUND');
    expect(msg).toMatch(/^--- spark-sql: last \d+ log lines ---$/m);
    expect((err as BfError).exitCode).toBe(1);
  });

  it('a driver killed (SIGKILL) mid-write leaves the previous Delta version readable; the restarted driver serves the next job', async () => {
    const columns = [{ name: 'signal', type: 'VARCHAR' }] as const;
    const commits = await deltaCommits('backtest_summary');
    const submitted = await driverLogCount(SLOW_WRITE);
    const slow = spark.writeRowsSlowly('backtest_summary', [{ signal: 'v2' }], columns, 120_000);
    const outcome = slow.then(
      () => 'committed',
      (e: unknown) => e,
    );
    // Wait until the driver has the write statement (its task sleeps inside the write), then SIGKILL the driver JVM.
    await untilDriverRuns(SLOW_WRITE, submitted);
    await stack.compose.exec.run(
      'docker',
      stack.compose.args(
        'exec',
        '-T',
        'spark-sql',
        'sh',
        '-c',
        'for p in /proc/[0-9]*; do if tr "\\0" " " < $p/cmdline 2>/dev/null | grep -q "^[^ ]*java .*[H]iveThriftServer2"; then kill -9 "$(basename "$p")"; fi; done',
      ),
      { env: stack.compose.env },
    );
    const err = await outcome;
    expect(err).toBeInstanceOf(SparkJobError);
    expect((err as Error).message).toMatch(/lost/);
    expect(await deltaCommits('backtest_summary')).toEqual(commits);
    // The compose service restarts the driver (restart: on-failure); the engine reconnects.
    expect(await spark.readRows('backtest_summary')).toEqual([{ signal: 'v1' }]);
  });

  it('S3 stopped mid-write (a previous Delta version exists) names the store first; after `bf infra start` the same driver reads the previous version', async () => {
    const columns = [{ name: 'signal', type: 'VARCHAR' }] as const;
    const commits = await deltaCommits('backtest_summary');
    const dataFiles = (await spark.s3.list(`${spark.s3.tableKey('backtest_summary')}/`)).filter((k) =>
      k.endsWith('.parquet'),
    );
    expect(dataFiles.length).toBeGreaterThan(0);
    const driverStart = await driverStartedAt();
    const submitted = await driverLogCount(SLOW_WRITE);
    const outcome = spark.writeRowsSlowly('backtest_summary', [{ signal: 'v3' }], columns, 120_000).then(
      () => 'committed',
      (e: unknown) => e,
    );
    await untilDriverRuns(SLOW_WRITE, submitted);
    await stack.compose.stop(['s3']);
    const err = await outcome;
    expect(err).toBeInstanceOf(BfError);
    expect((err as Error).message).toMatch(
      /^spark engine: write backtest_summary: S3 store \(service s3 at http:\/\/127\.0\.0\.1:\d+\): check bucket failed: /,
    );
    expect((err as Error).message).toContain(
      'what failed: spark engine: write backtest_summary: Spark job on',
    );
    expect((err as Error).message).toMatch(/^--- s3: last \d+ log lines ---$/m);
    expect((err as BfError).cause).toBeInstanceOf(SparkJobError);
    expect((err as BfError).hint).toContain('bf infra start');

    // The user's recovery: `bf infra start` on the same project (the stopped store starts; the running driver
    // is left alone). Once it returns, the store serves the previous version's files at once: a store that only
    // answers its bucket (SeaweedFS just after a restart: no master leader, no volume server yet) is not ready.
    await startStack({ project: stack.project, local: true, env, services: [...SPARK_SERVICES, 's3'] });
    const client = s3Client(spark.s3.config.endpoint, s3Settings(env));
    try {
      for (const key of dataFiles) {
        const got = await client
          .send(new GetObjectCommand({ Bucket: spark.s3.config.bucket, Key: key }), {
            abortSignal: AbortSignal.timeout(5_000),
          })
          .catch((e: unknown) => {
            throw new Error(
              `GET ${key} once bf infra start returned: ${(e as Error).name} ${(e as Error).message}`,
            );
          });
        expect((await got.Body?.transformToByteArray())?.length).toBeGreaterThan(0);
      }
    } finally {
      client.destroy();
    }
    expect(await deltaCommits('backtest_summary')).toEqual(commits);
    // The failed job could not delete its staged input (the store was down): it is still there. One left by a
    // job long ago goes with the next run's first successful job; the fresh one stays (a job may still read it).
    const left = await spark.s3.list(`${STAGING_PREFIX}/`);
    expect(left).toHaveLength(1);
    const ancientRun = newRunId(new Date(Date.now() - STAGING_ORPHAN_MS - 60_000));
    const ancient = `${STAGING_PREFIX}/${ancientRun}/bars.ndjson`;
    await spark.s3.putText(ancient, '{}\n');

    // `bf lake verify --engine spark` names both staged inputs (run id, objects, size, age) and what removes them,
    // and does not fail for them: the tables are whole.
    const freshRun = (left[0] as string).split('/')[1] as string;
    const verify = await runBf(['lake', 'verify', '--engine', 'spark', '--json'], stringEnv(env));
    const doc = lakeVerifyShape.parse(JSON.parse(verify.stdout));
    expect(doc.first_problem, verify.stderr).toBeNull();
    expect(verify.code, verify.stderr).toBe(0);
    const bucket = spark.s3.config.bucket;
    const staged = doc.leftovers.filter((l) => l.kind === 'staged-input');
    expect(staged.map((l) => l.run).sort()).toEqual([ancientRun, freshRun].sort());
    const old = staged.find((l) => l.run === ancientRun);
    expect(old).toMatchObject({
      location: `s3://${bucket}/${STAGING_PREFIX}/${ancientRun}/`,
      objects: 1,
      bytes: 3,
    });
    expect(old?.age_s).toBeGreaterThan(STAGING_ORPHAN_MS / 1000);
    const fresh = staged.find((l) => l.run === freshRun);
    expect(fresh?.objects).toBe(1);
    expect(fresh?.bytes).toBeGreaterThan(0);
    expect(fresh?.age_s).toBeLessThan(STAGING_ORPHAN_MS / 1000);
    expect(fresh?.note).toMatch(/next successful Spark job removes those older than 30 min/);
    expect(verify.stderr).toMatch(
      /warning: lake at s3:\/\/.*: \d+ leftover\(s\) of interrupted runs \(staged-input[,;]/,
    );
    const text = await runBf(['lake', 'verify', '--engine', 'spark'], stringEnv(env));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `staged-input\\s+s3://${bucket}/${STAGING_PREFIX}/${ancientRun}/\\s+${ancientRun}\\s+1\\s+3 B\\s+\\d+ min`,
      ),
    );
    expect(text.stdout).toContain(
      'to remove them now, delete its staging/<run id>/ folder in the S3 console',
    );
    // The next run: an engine of its own on the same driver (not restarted), which kept no stale connection to
    // the old store and reads the previous version.
    const next = await SparkEngine.open({ compose: stack.compose, s3: s3LakeConfig(env), logger });
    try {
      expect(await next.readRows('backtest_summary')).toEqual([{ signal: 'v1' }]);
    } finally {
      await next.close();
    }
    expect(await spark.s3.list(`${STAGING_PREFIX}/`)).toEqual(left);
    expect(lines.some((l) => l.includes('removed 1 staged input object(s)'))).toBe(true);
    expect(await driverStartedAt()).toBe(driverStart);
  });

  it('a missing bucket or a stopped S3 store is an S3StoreError naming the service', async () => {
    const missing = await SparkEngine.open({
      compose: stack.compose,
      s3: { ...s3LakeConfig(env), bucket: 'bf-no-such-bucket' },
    }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BfError);
    expect((missing as Error).message).toMatch(
      /S3 store \(service s3 at http:\/\/127\.0\.0\.1:\d+\): check bucket failed: bucket bf-no-such-bucket does not exist/,
    );

    await stack.compose.stop(['s3']);
    const down = await spark
      .writeRows('signals', [{ signal: 'x' }], [{ name: 'signal', type: 'VARCHAR' }])
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(BfError);
    expect((down as Error).message).toMatch(
      /^spark engine: write signals: staging input: S3 store \(service s3/,
    );
    expect((down as BfError).cause).toBeInstanceOf(S3StoreError);

    // The same as a user meets it: `bf pipeline run --engine spark` while the store is stopped fails at once,
    // naming the store, that its container is not running, and `bf infra start`.
    const out = await mkdtemp(join(tmpdir(), 'bf-spark-store-'));
    const stopped = await runBf(pipelineArgs(out), stringEnv(env));
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(
      /S3 store \(service s3 at .*\): check bucket failed: .*\(its container is not running\)/,
    );
    expect(stopped.stderr).toContain('bf infra start');
    await rm(out, { recursive: true, force: true });
  });

  it('`bf pipeline run --engine spark` right after `docker start` of the store (no bf infra start) waits until the store serves, then completes', async () => {
    const s3 = (await stack.compose.ps()).find((c) => c.service === 's3');
    expect(s3?.state).not.toBe('running');
    await stack.compose.exec.run('docker', ['start', s3?.id ?? 'none'], { env: stack.compose.env });
    const out = await mkdtemp(join(tmpdir(), 'bf-spark-store-'));
    try {
      const started = Date.now();
      const r = await runBf(pipelineArgs(out), stringEnv(env));
      console.log(
        `pipeline right after docker start of s3: exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(r.code, r.stderr).toBe(0);
      // SeaweedFS answers its bucket well before it serves objects after a start: the command said it waited, once,
      // and when the store served.
      const waits = r.stderr
        .split('\n')
        .filter((l) => l.includes('is running but does not serve objects yet'));
      expect(waits, r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/spark: the S3 store serves objects after \d+\.\d s/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('bench/spark-vs-embedded.ts at small size', () => {
  it('runs bf data fetch and bf signals generate on both engines against this stack, with identical outputs', async () => {
    const report = await runSparkVsEmbedded({
      symbols: 'demo_small',
      years: 1,
      rounds: 1,
      stack: { compose: stack.compose, env },
    });
    // Both commands of each engine timed, Spark's with its containers' CPU; a fresh lake for each (a full run).
    for (const engine of ['embedded', 'spark'])
      for (const command of ['bf data fetch', 'bf signals generate'])
        expect(report).toMatch(new RegExp(`^\\| 1 \\| ${engine} \\| ${command} \\| \\d+\\.\\d+ \\|`, 'm'));
    expect(report).toMatch(
      /\| 1 \| spark \| bf signals generate \|.*\(spark-master \d+\.\d, spark-worker \d+\.\d/,
    );
    expect(report).toMatch(/^round 1: .*spark \/ embedded \d+\.\dx wall.*byte-identical/m);
    expect(report).toContain('spark "full recompute: no stored state');
    expect(report).toContain('embedded "full recompute: no stored state');
  });
});

/** The Spark pipeline run over this file's range. */
const pipelineArgs = (out: string) =>
  sparkPipelineArgs(stack.project, out, '--start', RANGE.start, '--end', RANGE.end);

function stringEnv(e: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(e).filter((kv): kv is [string, string] => kv[1] !== undefined));
}
