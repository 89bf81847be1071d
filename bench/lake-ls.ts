/**
 * `bf lake ls --engine spark` (Node reads the Delta logs over S3) vs the same row counts from a Spark job (one
 * spark-submit: count(*) of every table), wall time, same lake, same run.
 *
 *   BF_LOCAL_IMAGES=1 node bench/lake-ls.ts [--runs 3] [--project NAME]
 *
 * Without --project it starts its own stack (spark-master, spark-worker, s3) under a unique project name, writes the
 * lake with `bf pipeline run --engine spark --no-publish` (demo_small, sample data, 5 years) and tears the stack
 * down with its volumes at the end. The Spark job computes the counts (collected on the driver) but bf has no op that
 * returns them, so they are not compared here; test/stack/lake.test.ts compares bf lake's counts with the lineage.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SparkEngine } from '../src/engines/spark/spark-engine.ts';
import { composeProjectFor, type StartedStack, startStack } from '../src/infra/stack.ts';
import { stderrLogger } from '../src/util/log.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, project: { type: 'string' } },
});
const runs = Number(values.runs);
const log = stderrLogger({ interactive: false });
const BIN = resolve(import.meta.dirname, '../bin/bf.js');

function bf(args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? fail(new Error(`bf ${args.join(' ')}: ${stderr}`)) : done(stdout),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

let stack: StartedStack | undefined;
if (!values.project) {
  stack = await startStack({
    uniqueProject: true,
    services: ['spark-master', 'spark-worker', 's3'],
    logger: log,
  });
}
const project = values.project ?? (stack?.project as string);
const local = process.env.BF_LOCAL_IMAGES === '1' ? ['--local'] : [];
try {
  if (stack) {
    log.info('writing the lake: bf pipeline run --engine spark --no-publish (demo_small, 5 years)');
    const wd = await mkdtemp(join(tmpdir(), 'bf-bench-lake-'));
    await bf([
      'pipeline',
      'run',
      '--engine',
      'spark',
      '--no-publish',
      '--project',
      project,
      ...local,
      '--symbol-list',
      'demo_small',
      '--source',
      'sample',
      '--start',
      '2020-01-01',
      '--end',
      '2024-12-31',
      '--workdir',
      wd,
      '-q',
    ]);
  }
  const nodeMs: number[] = [];
  let nodeCounts: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const out = JSON.parse(await bf(['lake', 'ls', '--engine', 'spark', '--json']));
    nodeMs.push(performance.now() - t);
    nodeCounts = Object.fromEntries(
      out.tables.map((x: { table: string; rows: number }) => [x.table, x.rows]),
    );
  }
  const spark = await SparkEngine.open({ compose: composeProjectFor({ project, local: local.length > 0 }) });
  const sql = Object.keys(nodeCounts)
    .map((t) => `SELECT '${t}' AS t, count(*) AS n FROM delta.\`${spark.s3.s3aUrl(spark.s3.tableKey(t))}\``)
    .join(' UNION ALL ');
  const sparkMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await spark.runFailingSql(sql);
      sparkMs.push(performance.now() - t);
    }
  } finally {
    await spark.close();
  }
  const n = median(nodeMs);
  const s = median(sparkMs);
  console.log(
    `lake: ${Object.entries(nodeCounts)
      .map(([t, r]) => `${t} ${r}`)
      .join(', ')}`,
  );
  console.log(
    `bf lake ls --engine spark (Node, Delta log over S3, process start included): median ${n.toFixed(0)} ms of ${runs}`,
  );
  console.log(
    `Spark job, count(*) of every table (spark-submit on the cluster):          median ${s.toFixed(0)} ms of ${runs}`,
  );
  console.log(`ratio Spark / bf lake ls: ${(s / n).toFixed(1)}x`);
} finally {
  if (stack) await stack.down({ volumes: true });
}
