/**
 * `bf lake` on the Delta lake written by `bf pipeline run --engine spark`, against the real stack (locally built
 * images): Spark master + worker, the long-lived driver (spark-sql) and the S3 store.
 * Run: flock /tmp/bf-stack.lock npx vitest run --project stack test/stack/lake.test.ts
 * Own project name and free host ports; torn down with its volumes at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Settings } from '../../src/config/stack.ts';
import { SPARK_SERVICES } from '../../src/engines/spark/jars.ts';
import { SparkEngine } from '../../src/engines/spark/spark-engine.ts';
import type { StartedStack } from '../../src/infra/stack.ts';
import { S3Lake, s3LakeConfig } from '../../src/lake/s3.ts';
import { lakeHistoryShape, lakeLsShape, lakeShowShape, lakeVerifyShape } from '../../src/report/schemas.ts';
import { startTestStack } from '../support/stack.ts';

const BIN = resolve(import.meta.dirname, '../../bin/bf.js');
const RANGE = ['--start', '2024-01-01', '--end', '2024-12-31'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let env: NodeJS.ProcessEnv;
let stack: StartedStack;
let s3: S3Lake;
let embeddedWorkdir: string;

function bf(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
const stackFlags = () => ['--local', '--project', stack.project];
const sparkLake = (...args: string[]) => bf(['lake', ...args, '--engine', 'spark']);
const pipelineArgs = ['pipeline', 'run', '--symbol-list', 'demo_small', '--source', 'sample', ...RANGE, '-q'];

/** Runs fn with one object of the lake replaced, then puts the original back. */
async function withObject(key: string, body: Uint8Array | null, fn: () => Promise<void>): Promise<void> {
  const bucket = s3.config.bucket;
  const original = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await original.Body?.transformToByteArray();
  try {
    if (body === null) await s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    else await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await fn();
  } finally {
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
  }
}

/** Keys of a Delta table's data files. */
async function dataFiles(table: string): Promise<{ key: string; size: number }[]> {
  return (await s3.listObjects(`${s3.tableKey(table)}/`)).filter(
    (o) => o.key.endsWith('.parquet') && !o.key.includes('_delta_log'),
  );
}

beforeAll(async () => {
  ({ stack, env } = await startTestStack([...SPARK_SERVICES, 's3']));
  s3 = new S3Lake(s3LakeConfig(env));
  const spark = await bf([
    ...pipelineArgs,
    '--engine',
    'spark',
    '--no-publish',
    ...stackFlags(),
    '--workdir',
    mkdtempSync(join(tmpdir(), 'bf-lake-spark-')),
  ]);
  expect(spark.code, spark.stderr).toBe(0);
  embeddedWorkdir = join(mkdtempSync(join(tmpdir(), 'bf-lake-embedded-')), 'wd');
  const embedded = await bf([...pipelineArgs, '--workdir', embeddedWorkdir]);
  expect(embedded.code, embedded.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  s3?.close();
  await stack?.down({ volumes: true });
}, 300_000);

describe('bf lake --engine spark (Delta on the S3 store)', () => {
  it('ls: every table with the same rows as the embedded engine, Delta versions, lineage; prices symbols and dates', async () => {
    const r = await sparkLake('ls', '--json');
    expect(r.code, r.stderr).toBe(0);
    const delta = lakeLsShape.parse(JSON.parse(r.stdout));
    expect(delta.engine).toBe('spark');
    expect(delta.location).toBe(`s3://${s3Settings(env).bucket}/lake`);
    const local = lakeLsShape.parse(
      JSON.parse((await bf(['lake', 'ls', '--json', '--workdir', embeddedWorkdir])).stdout),
    );
    const rows = (out: { tables: { table: string; rows: number }[] }) =>
      Object.fromEntries(out.tables.map((t) => [t.table, t.rows]));
    expect(rows(delta)).toEqual(rows(local));
    for (const t of delta.tables) {
      const meta = JSON.parse((await s3.getText(`${s3.tableKey(t.table)}/_bf_meta.json`)) ?? '{}');
      expect(t.rows, t.table).toBe(meta.rows);
      expect(t.version).toBeGreaterThanOrEqual(0);
      expect(t.files).toBeGreaterThan(0);
      expect(t.bytes).toBeGreaterThan(0);
      expect(t.source).toBe('sample');
      expect(t.synthetic).toBe(true);
    }
    const prices = delta.tables.find((t) => t.table === 'prices')!;
    const localPrices = local.tables.find((t) => t.table === 'prices')!;
    expect(prices.symbols).toEqual(localPrices.symbols);
    expect(prices.date_range).toEqual(localPrices.date_range);
  });

  it('show: the same row as the embedded engine for the same filter; --columns, --csv', async () => {
    const args = ['show', 'prices', '--where', "symbol = 'MSFT' AND date = DATE '2024-06-03'", '--json'];
    const delta = await sparkLake(...args);
    expect(delta.code, delta.stderr).toBe(0);
    const local = await bf(['lake', ...args, '--workdir', embeddedWorkdir]);
    const deltaDoc = lakeShowShape.parse(JSON.parse(delta.stdout));
    expect(deltaDoc).toMatchObject({ schema: 'bf.lake.show/v1', engine: 'spark', table: 'prices' });
    expect(deltaDoc.rows).toHaveLength(1);
    expect(deltaDoc.rows).toEqual(lakeShowShape.parse(JSON.parse(local.stdout)).rows);
    const csv = await sparkLake('show', 'signals', '--columns', 'signal,date', '--csv', '--limit', '3');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('signal,date');
    expect(csv.stdout.trim().split('\n')).toHaveLength(4);
    const bad = await sparkLake('show', 'prices', '--where', '1=1); SELECT 1; SELECT (1');
    expect(bad.code).toBe(2);
  });

  it('history: the Delta commits; a merge of more bars adds a MERGE version with the new row count', async () => {
    const before = JSON.parse((await sparkLake('history', 'prices', '--json')).stdout).history;
    // The engine writes through SQL on the long-lived driver, so Delta records the table's creation as a CTAS.
    expect(before.at(-1)).toMatchObject({ version: 0, operation: 'CREATE TABLE AS SELECT' });
    const fetch = await bf([
      'data',
      'fetch',
      '--symbol-list',
      'demo_small',
      '--source',
      'sample',
      '--start',
      '2023-11-01',
      '--end',
      '2024-12-31',
      '--engine',
      'spark',
      ...stackFlags(),
      '-q',
    ]);
    expect(fetch.code, fetch.stderr).toBe(0);
    const r = await sparkLake('history', 'prices', '--json');
    expect(r.code, r.stderr).toBe(0);
    lakeHistoryShape.parse(JSON.parse(r.stdout)); // the versioned shape; the values are read below
    const after = JSON.parse(r.stdout).history;
    expect(after).toHaveLength(before.length + 1);
    expect(after[0].version).toBe(before[0].version + 1);
    expect(after[0].operation).toBe('MERGE');
    expect(after[0].rows).toBeGreaterThan(before[0].rows);
    expect(Number(after[0].metrics.numTargetRowsInserted)).toBe(after[0].rows - before[0].rows);
    const ls = JSON.parse((await sparkLake('ls', '--json')).stdout);
    expect(ls.tables.find((t: { table: string }) => t.table === 'prices').rows).toBe(after[0].rows);
    expect((await sparkLake('history', 'prices')).stdout).toMatch(/MERGE/);
  });

  it('verify: every table read in full is consistent with the Delta log and _bf_meta.json', async () => {
    const r = await sparkLake('verify', '--json');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(lakeVerifyShape.parse(JSON.parse(r.stdout)).first_problem).toBeNull();
  });

  it('verify: a data file overwritten with garbage of the same size fails, exit 1, naming table and file', async () => {
    const [file] = await dataFiles('breadth');
    if (!file) throw new Error('breadth has no data file');
    await withObject(file.key, randomBytes(file.size), async () => {
      const r = await sparkLake('verify');
      expect(r.code).toBe(1);
      const name = file.key.split('/').at(-1);
      expect(r.stderr).toContain(`breadth: file ${name} is unreadable`);
    });
  });

  it('verify: a data file deleted from the store fails naming it as missing', async () => {
    const [file] = await dataFiles('signals');
    if (!file) throw new Error('signals has no data file');
    await withObject(file.key, null, async () => {
      const r = await sparkLake('verify');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/signals: file \S+\.parquet \(in Delta version \d+\) is missing/);
    });
    expect((await sparkLake('verify')).code).toBe(0);
  });

  it('a log whose early commits were cleaned up is read from its checkpoint (a real Spark checkpoint)', async () => {
    const before = JSON.parse((await sparkLake('ls', '--json')).stdout).tables.find(
      (t: { table: string }) => t.table === 'signals',
    );
    // Checkpoint every commit, commit once (the property change), then delete the commits the checkpoint covers,
    // as Delta's log cleanup does after the retention period.
    const spark = await SparkEngine.open({ compose: stack.compose, s3: s3LakeConfig(env) });
    try {
      await spark.runFailingSql(
        `ALTER TABLE delta.\`${spark.s3.s3aUrl(spark.s3.tableKey('signals'))}\` SET TBLPROPERTIES ('delta.checkpointInterval' = '1')`,
      );
    } finally {
      await spark.close();
    }
    const log = `${s3.tableKey('signals')}/_delta_log/`;
    const keys = await s3.list(log);
    const checkpoint = keys.find((k) => k.endsWith('.checkpoint.parquet'));
    expect(checkpoint, keys.join('\n')).toBeDefined();
    const version = Number(checkpoint?.slice(log.length, log.length + 20));
    for (const k of keys) {
      const v = /\/(\d{20})\.json$/.exec(k)?.[1];
      if (v !== undefined && Number(v) < version)
        await s3.client.send(new DeleteObjectCommand({ Bucket: s3.config.bucket, Key: k }));
    }
    const history = JSON.parse((await sparkLake('history', 'signals', '--json')).stdout).history;
    expect(history.map((h: { version: number }) => h.version)).toEqual([version]);
    expect(history[0]).toMatchObject({ operation: 'SET TBLPROPERTIES', rows: before.rows });
    const after = JSON.parse((await sparkLake('ls', '--json')).stdout).tables.find(
      (t: { table: string }) => t.table === 'signals',
    );
    expect(after).toMatchObject({ rows: before.rows, files: before.files, version });
    const verify = await sparkLake('verify');
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
  });

  it('errors: an unknown table exit 2; a bucket without a lake and a missing bucket exit 1 naming what creates them', async () => {
    const unknown = await sparkLake('history', 'pricez');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('tables: prices, features');
    const empty = `bf-empty-${randomBytes(3).toString('hex')}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: empty }));
    const none = await bf(['lake', 'ls', '--engine', 'spark'], { BF_S3_BUCKET: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`there is no lake at s3://${empty}/lake`);
    expect(none.stderr).toContain('bf pipeline run --engine spark');
    const missing = await bf(['lake', 'ls', '--engine', 'spark'], { BF_S3_BUCKET: 'bf-no-such-bucket' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('bucket bf-no-such-bucket does not exist');
    expect(missing.stderr).toContain('bf infra start');
  });
});
