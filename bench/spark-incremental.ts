/**
 * One new day on the Spark engine (issue 11 §3): the incremental computeBreadth next to the full recompute of the
 * same lake, in the same run, alternating.
 *
 *   flock /tmp/bf-bench.lock node bench/spark-incremental.ts [--symbols demo_small] [--years 3] [--rounds 3]
 *     [--project NAME] [--keep]
 *
 * Without --project it starts its own stack (local images when BF_LOCAL_IMAGES=1: the Spark services and the S3
 * store) under a unique project name and tears it down with its volumes at the end. The setup (not timed): the
 * sample source's bars of the list over the years up to the last business day D, the history (before D) merged
 * into `prices` and recomputed in full (which stores the incremental state and tails), then D merged in: the
 * nightly fetch. That lake is copied (server-side S3 copies: a Delta table's log names its files relative to it)
 * before every timed run, so each run starts from the same lake: one `computeBreadth` incremental (the nightly
 * `bf signals generate`'s Spark work), one with `full`, in alternating order. Per run: wall, and the CPU seconds
 * of the driver (spark-sql) and of the worker with its executor (spark-worker) from their cgroups; the load average
 * before and after. The incremental and full breadth must be identical. Nothing is asserted on time.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import type { BreadthDay } from '../src/domain/breadth.ts';
import { SparkEngine } from '../src/engines/spark/spark-engine.ts';
import type { ComposeProject } from '../src/infra/compose.ts';
import { composeProjectFor, type StartedStack, startStack } from '../src/infra/stack.ts';
import { S3Lake, s3LakeConfig } from '../src/lake/s3.ts';
import { businessDays, createSampleSource } from '../src/sources/sample.ts';
import { resolveSymbolList } from '../src/sources/symbols.ts';
import { silentLogger, stderrLogger } from '../src/util/log.ts';
import { servicesCpuMs } from './support/container-cpu.ts';

const { values } = parseArgs({
  options: {
    symbols: { type: 'string', default: 'demo_small' },
    years: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    project: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const log = stderrLogger({ interactive: false });
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const years = Number(values.years);
const end = '2024-12-31';
const start = `${2024 - years + 1}-01-01`;
const day = businessDays(start, end).at(-1)!;
const list = await resolveSymbolList(values.symbols as string);
const { bars } = await createSampleSource().fetch(list.symbols, { start, end }, log);
const history = bars.filter((b) => b.date < day);
const newDay = bars.filter((b) => b.date === day);
log.info(
  `${history.length} bars of history for ${list.symbols.length} symbols, then ${newDay.length} on ${day}`,
);

let stack: StartedStack | undefined;
let compose: ComposeProject;
if (values.project) compose = composeProjectFor({ project: values.project, local: true });
else {
  stack = await startStack({
    uniqueProject: true,
    local: process.env.BF_LOCAL_IMAGES === '1' ? true : undefined,
    services: ['spark-master', 'spark-worker', 'spark-sql', 's3'],
    logger: log,
  });
  compose = stack.compose;
}

/** A lake at its own key prefix of the bucket. */
const open = (prefix: string, quiet = true) =>
  SparkEngine.open({ compose, s3: s3LakeConfig(compose.env, prefix), logger: quiet ? silentLogger : log });

/** Copies every object under `from/` to `to/` (server-side). */
async function copyLake(from: string, to: string): Promise<void> {
  const s3 = new S3Lake(s3LakeConfig(compose.env, from));
  try {
    for (const key of await s3.list(`${from}/`)) {
      // Directory markers (a key ending in /, e.g. Delta's `_staged_commits/`): nothing to read, and not copyable.
      if (key.endsWith('/')) continue;
      await s3.client.send(
        new CopyObjectCommand({
          Bucket: s3.config.bucket,
          CopySource: `${s3.config.bucket}/${key}`,
          Key: `${to}/${key.slice(from.length + 1)}`,
        }),
      );
    }
  } finally {
    s3.close();
  }
}

interface Sample {
  wall: number;
  driver: number;
  worker: number;
  said: string;
  days: BreadthDay[];
}

async function timedRun(prefix: string, full: boolean): Promise<Sample> {
  const engine = await open(prefix);
  let said = '';
  try {
    const before = await servicesCpuMs(compose, ['spark-sql', 'spark-worker']);
    const t = performance.now();
    const days = await engine.computeBreadth(
      list.symbols,
      {},
      {
        listName: list.name,
        full,
        onPath: (p) => {
          said = p.incremental ? p.summary : `full recompute: ${p.reason}`;
        },
      },
    );
    const wall = performance.now() - t;
    const after = await servicesCpuMs(compose, ['spark-sql', 'spark-worker']);
    return {
      wall,
      driver: after['spark-sql']! - before['spark-sql']!,
      worker: after['spark-worker']! - before['spark-worker']!,
      said,
      days,
    };
  } finally {
    await engine.close();
  }
}

try {
  const base = `bench-${Date.now()}`;
  const setup = await open(base, false);
  await setup.writePrices(history, { source: 'sample', synthetic: true });
  await setup.computeBreadth(list.symbols, {}, { listName: list.name });
  await setup.writePrices(newDay, { source: 'sample', synthetic: true });
  await setup.close();

  const rounds = Number(values.rounds);
  const samples: Record<'incremental' | 'full', Sample[]> = { incremental: [], full: [] };
  const loadBefore = load();
  for (let r = 0; r < rounds; r++) {
    const order: ('incremental' | 'full')[] = r % 2 === 0 ? ['incremental', 'full'] : ['full', 'incremental'];
    for (const mode of order) {
      const prefix = `${base}-${mode}-${r}`;
      await copyLake(base, prefix);
      const s = await timedRun(prefix, mode === 'full');
      log.info(
        `round ${r + 1} ${mode}: ${secs(s.wall)} wall, CPU driver ${secs(s.driver)} + worker ${secs(s.worker)} (load ${load()}); ${s.said}`,
      );
      if (mode === 'incremental' && !s.said.startsWith('incremental:'))
        throw new Error(`not incremental: ${s.said}`);
      samples[mode].push(s);
    }
  }
  const loadAfter = load();
  const row = (mode: 'incremental' | 'full') => {
    const xs = samples[mode];
    return {
      wall: median(xs.map((s) => s.wall)),
      cpu: median(xs.map((s) => s.driver + s.worker)),
      driver: median(xs.map((s) => s.driver)),
      worker: median(xs.map((s) => s.worker)),
    };
  };
  const inc = row('incremental');
  const full = row('full');
  const same = samples.incremental.every(
    (s, i) => JSON.stringify(s.days) === JSON.stringify(samples.full[i]?.days),
  );
  console.log(
    `input: ${list.name} (${list.symbols.length} symbols), ${start} → ${day}: ${history.length} bars of history, one new day (${newDay.length} bars)`,
  );
  for (const [name, r] of [
    ['incremental', inc],
    ['full', full],
  ] as const) {
    console.log(
      `${name.padEnd(12)} median of ${rounds}: ${secs(r.wall)} wall, ${secs(r.cpu)} CPU (driver ${secs(r.driver)}, worker + executor ${secs(r.worker)})`,
    );
  }
  console.log(
    `incremental / full: wall ${(inc.wall / full.wall).toFixed(2)}x, CPU ${(inc.cpu / full.cpu).toFixed(2)}x; load average ${loadBefore} before, ${loadAfter} after`,
  );
  console.log(`breadth identical: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
} finally {
  if (stack && !values.keep) await stack.down({ volumes: true });
}
