/**
 * Spark engine vs embedded engine, wall time, same synthetic input, same run.
 *
 *   node bench/spark-vs-embedded.ts [--symbols demo_large] [--years 5] [--project NAME] [--keep]
 *
 * Without --project it starts its own stack (local images when BF_LOCAL_IMAGES=1) under a unique project name and
 * tears it down with its volumes at the end. First, before the long-lived driver (spark-sql) runs, it times one
 * Delta statement as a per-job driver (`spark-sql -e` on the master: a JVM and an application per job, as every
 * bf stage used to be), then the same statement on the long-lived driver. Then both engines get the same bars
 * (sample source over the symbol list) and run writePrices then computeBreadth; the breadth rows are compared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostPort } from '../src/config/stack.ts';
import { DuckDbEngine } from '../src/engines/duckdb/index.ts';
import { openHs2Session } from '../src/engines/spark/hs2.ts';
import { SparkEngine } from '../src/engines/spark/spark-engine.ts';
import { composeProjectFor, type StartedStack, startStack } from '../src/infra/stack.ts';
import { Lake } from '../src/lake/index.ts';
import { createSampleSource } from '../src/sources/sample.ts';
import { resolveSymbolList } from '../src/sources/symbols.ts';
import { stderrLogger } from '../src/util/log.ts';

const { values } = parseArgs({
  options: {
    symbols: { type: 'string', default: 'demo_large' },
    years: { type: 'string', default: '5' },
    project: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const log = stderrLogger({ interactive: false });
const years = Number(values.years);
const end = '2024-12-31';
const start = `${2024 - years + 1}-01-01`;

const list = await resolveSymbolList(values.symbols as string);
let t = performance.now();
const { bars } = await createSampleSource().fetch(list.symbols, { start, end }, log);
log.info(
  `${bars.length} bars for ${list.symbols.length} symbols, ${start} → ${end} (${((performance.now() - t) / 1000).toFixed(1)} s to generate)`,
);

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// Embedded engine.
const dir = await mkdtemp(join(tmpdir(), 'bf-bench-'));
const duck = await DuckDbEngine.open(Lake.open(dir));
t = performance.now();
await duck.writePrices(bars, { source: 'sample', synthetic: true });
const duckWrite = performance.now() - t;
t = performance.now();
const duckDays = await duck.computeBreadth(list.symbols);
const duckBreadth = performance.now() - t;
await duck.close();
await rm(dir, { recursive: true, force: true });

// Spark engine on the stack.
let stack: StartedStack | undefined;
const compose = values.project ? composeProjectFor({ project: values.project }) : undefined;
const driverLines: string[] = [];
if (!compose) {
  stack = await startStack({
    uniqueProject: true,
    services: ['spark-master', 'spark-worker', 's3'],
    logger: log,
  });
  // One Delta statement, per-job driver vs long-lived driver, same cluster, same run.
  const bucket = stack.compose.env.BF_S3_BUCKET || 'bf-lake';
  const stmt = `CREATE OR REPLACE TABLE delta.\`s3a://${bucket}/bench/probe\` USING delta AS SELECT id, id * 2 AS twice FROM range(100000)`;
  const perJob: number[] = [];
  for (let i = 0; i < 2; i++) {
    t = performance.now();
    await stack.compose.exec.run(
      'docker',
      stack.compose.args(
        'exec',
        '-T',
        'spark-master',
        '/opt/spark/bin/spark-sql',
        '--master',
        'spark://spark-master:7077',
        '-e',
        stmt,
      ),
      { env: stack.compose.env, timeoutMs: 600_000 },
    );
    perJob.push(performance.now() - t);
  }
  t = performance.now();
  stack = await startStack({ project: stack.project, services: ['spark-sql'], logger: log });
  const driverStart = performance.now() - t;
  const session = await openHs2Session({
    host: '127.0.0.1',
    port: hostPort('spark-sql', 'thrift', stack.compose.env),
  });
  const longLived: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await session.query(stmt);
    longLived.push(performance.now() - t);
  }
  await session.close();
  driverLines.push(
    `one Delta statement (CTAS of 100k rows on S3): per-job driver (spark-sql -e) ${perJob.map(secs).join(', ')}; ` +
      `long-lived driver ${longLived.map(secs).join(', ')} (its start: ${secs(driverStart)}, once per stack); ` +
      `per-job / long-lived (last): ${(Math.min(...perJob) / (longLived.at(-1) as number)).toFixed(1)}x`,
  );
}
try {
  const spark = await SparkEngine.open({ compose: compose ?? stack?.compose, logger: log });
  t = performance.now();
  await spark.writePrices(bars, { source: 'sample', synthetic: true });
  const sparkWrite = performance.now() - t;
  t = performance.now();
  const sparkDays = await spark.computeBreadth(list.symbols);
  const sparkBreadth = performance.now() - t;
  await spark.close();

  const same =
    sparkDays.length === duckDays.length &&
    sparkDays.every((s, i) => {
      const d = duckDays[i];
      if (!d) return false;
      const ew =
        s.ewReturn === null || d.ewReturn === null
          ? s.ewReturn === d.ewReturn
          : Math.abs(s.ewReturn - d.ewReturn) <= 1e-12;
      return ew && JSON.stringify({ ...s, ewReturn: 0 }) === JSON.stringify({ ...d, ewReturn: 0 });
    });
  const duckTotal = duckWrite + duckBreadth;
  const sparkTotal = sparkWrite + sparkBreadth;
  const jobs = spark.jobTimes.map(
    (j) => `${j.stage} ${secs(j.ms)} [${j.ops.map((o) => `${o.op} ${secs(o.ms)} in job`).join(', ')}]`,
  );
  console.log(`input: ${bars.length} bars, ${list.symbols.length} symbols (${list.name}), ${years} years`);
  console.log(
    `embedded (duckdb): writePrices ${secs(duckWrite)}, computeBreadth ${secs(duckBreadth)}, total ${secs(duckTotal)}`,
  );
  console.log(
    `spark (cluster):   writePrices ${secs(sparkWrite)}, computeBreadth ${secs(sparkBreadth)}, total ${secs(sparkTotal)}`,
  );
  console.log(`spark jobs: ${jobs.join('; ')}`);
  for (const l of driverLines) console.log(l);
  console.log(`ratio spark / embedded: ${(sparkTotal / duckTotal).toFixed(1)}x`);
  console.log(`breadth rows identical: ${same ? 'yes' : 'NO'} (${sparkDays.length} days)`);
  if (!same) process.exitCode = 1;
} finally {
  if (stack && !values.keep) await stack.down({ volumes: true });
}
