/**
 * The Spark engine against the embedded one through the CLI, on the same data in the same run (issue 11 §4: the
 * Spark / embedded ratio on demo_large-sized data, goal <= 5x).
 *
 *   BF_LOCAL_IMAGES=1 flock /tmp/bf-bench.lock node bench/spark-vs-embedded.ts [--symbols demo_large] [--years 5]
 *     [--rounds 2] [--project NAME] [--keep]
 *
 * The commands a user runs, each a child process under /usr/bin/time (wall; CPU = user + sys of the bf process;
 * its peak RSS), for each engine:
 *   bf data fetch --source sample --symbol-list L --start S --end E     (the bars into an empty lake)
 *   bf signals generate --symbol-list L --out DIR                       (breadth, signals, the report files)
 * the Spark ones with `--engine spark --project P` against a stack: its own unless --project (the Spark services and
 * the S3 store on free host ports, local images when BF_LOCAL_IMAGES=1; torn down with its volumes at the end).
 * Spark's CPU also counts the stack's containers, read from their cgroups before and after each command
 * (bench/support/container-cpu.ts): the master, the worker with its executor, the long-lived driver (spark-sql) and
 * the S3 store. Each round starts both engines from an empty lake (a fresh workdir; a fresh bucket on the store), in
 * alternating order; the first Spark round on a fresh stack also pays the driver's JIT. The breadth.csv and
 * signals.csv of both engines must be byte-identical. Nothing is asserted on time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { COMPOSE_LOCAL_FILE, S3_BUCKET_ENV } from '../src/config/stack.ts';
import { SPARK_SERVICES } from '../src/engines/spark/jars.ts';
import type { ComposeProject } from '../src/infra/compose.ts';
import { composeProjectFor, type StartedStack, startStack } from '../src/infra/stack.ts';
import { S3Lake, s3LakeConfig } from '../src/lake/s3.ts';
import { resolveSymbolList } from '../src/sources/symbols.ts';
import { stderrLogger } from '../src/util/log.ts';
import { freePortEnv } from '../test/support/stack.ts';
import type { Measure } from './csv-pipeline.ts';
import { bfTimed } from './incremental.ts';
import { servicesCpuMs } from './support/container-cpu.ts';

/** The containers whose CPU a Spark command costs besides its own process. */
const SPARK_CONTAINERS = [...SPARK_SERVICES, 's3'] as const;
/** The output files both engines must write alike. */
const COMPARED = ['breadth.csv', 'signals.csv'];

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Step extends Measure {
  /** CPU seconds of each Spark container during the command (none for the embedded engine). */
  containers: Record<string, number>;
}

/** A round's two commands on one engine. */
interface EngineRun {
  engine: 'embedded' | 'spark';
  steps: Step[];
  said: string;
  out: string;
}

export interface SparkVsEmbeddedOptions {
  /** A symbol list (built-in name or file). */
  symbols: string;
  years: number;
  rounds: number;
  /** A running stack to use instead of starting one, and the environment naming its host ports. */
  stack?: { compose: ComposeProject; env: NodeJS.ProcessEnv };
  keep?: boolean;
}

export async function runSparkVsEmbedded(opts: SparkVsEmbeddedOptions): Promise<string> {
  const log = stderrLogger({ interactive: false });
  const end = '2024-12-31';
  const start = `${2024 - opts.years + 1}-01-01`;
  const list = await resolveSymbolList(opts.symbols);
  const root = mkdtempSync(join(tmpdir(), 'bf-bench-spark-vs-embedded-'));
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };

  let stack: StartedStack | undefined;
  let compose: ComposeProject;
  let env: NodeJS.ProcessEnv;
  if (opts.stack) {
    env = { ...opts.stack.env };
    compose = opts.stack.compose;
  } else {
    env = await freePortEnv();
    const t = performance.now();
    stack = await startStack({
      uniqueProject: true,
      env,
      services: [...SPARK_CONTAINERS],
      logger: log,
    });
    compose = stack.compose;
    log.info(
      `stack ${stack.project} up in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed below)`,
    );
  }
  const project = compose.name;
  // The CLI's compose files as the stack's: the local images' file or not.
  const sparkFlags = [
    '--engine',
    'spark',
    '--project',
    project,
    ...(compose.files.some((f) => f.endsWith(COMPOSE_LOCAL_FILE)) ? ['--local'] : []),
  ];

  let n = 0;
  const stderrFile = () => join(root, `stderr-${n++}.txt`);
  const fetchArgs = ['data', 'fetch', '--source', 'sample', '--symbol-list', opts.symbols, '--start', start];
  const commands = (out: string) => [
    { name: 'bf data fetch', args: [...fetchArgs, '--end', end, '--quiet'] },
    {
      name: 'bf signals generate',
      args: ['signals', 'generate', '--symbol-list', opts.symbols, '--out', out],
    },
  ];

  const embedded = (round: number): EngineRun => {
    const wd = join(root, `embedded-${round}`);
    const out = join(wd, 'out');
    const run: EngineRun = { engine: 'embedded', steps: [], said: '', out };
    for (const c of commands(out)) {
      const err = stderrFile();
      run.steps.push({ ...bfTimed(c.name, [...c.args, '--workdir', wd], err), containers: {} });
      run.said ||= pathLine(err);
    }
    return run;
  };

  const spark = async (round: number): Promise<EngineRun> => {
    // An empty lake: a bucket of its own on the store (the CLI's lake is s3://$BF_S3_BUCKET/lake).
    const bucket = `bf-bench-${Date.now().toString(36)}-${round}`;
    const s3 = new S3Lake(s3LakeConfig({ ...env, [S3_BUCKET_ENV]: bucket }));
    try {
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      s3.close();
    }
    const out = join(root, `spark-${round}`);
    const run: EngineRun = { engine: 'spark', steps: [], said: '', out };
    for (const c of commands(out)) {
      const err = stderrFile();
      const before = await servicesCpuMs(compose, SPARK_CONTAINERS);
      const m = bfTimed(c.name, [...c.args, ...sparkFlags], err, {
        ...env,
        [S3_BUCKET_ENV]: bucket,
      });
      const after = await servicesCpuMs(compose, SPARK_CONTAINERS);
      const containers = Object.fromEntries(
        SPARK_CONTAINERS.map((s) => [s, (after[s]! - before[s]!) / 1000]),
      );
      run.steps.push({ ...m, containers });
      run.said ||= pathLine(err);
    }
    return run;
  };

  try {
    say(
      `bench/spark-vs-embedded.ts — ${new Date().toISOString()}, ${list.name}: ${list.symbols.length} symbols × ${opts.years} years (sample source, ${start} → ${end}), stack ${project}, load average ${load()}`,
    );
    say(
      '| round | engine | command | wall s | CPU s (bf + containers) | bf CPU s | containers CPU s | bf peak RSS MiB |',
    );
    say('|---|---|---|---|---|---|---|---|');
    let identical = true;
    for (let r = 1; r <= opts.rounds; r++) {
      // Alternating order: neither engine always meets the machine as the other left it.
      const runs: EngineRun[] = [];
      if (r % 2 === 1) runs.push(embedded(r), await spark(r));
      else runs.push(await spark(r), embedded(r));
      for (const run of runs) {
        for (const s of run.steps) {
          const c = containersCpu(s);
          const detail = Object.entries(s.containers)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ');
          say(
            `| ${r} | ${run.engine} | ${s.name} | ${s.wallS.toFixed(2)} | ${(s.cpuS + c).toFixed(2)} | ${s.cpuS.toFixed(2)} | ${detail ? `${c.toFixed(2)} (${detail})` : '-'} | ${s.maxRssMiB.toFixed(0)} |`,
          );
        }
      }
      const [e, s] = [runs.find((x) => x.engine === 'embedded')!, runs.find((x) => x.engine === 'spark')!];
      const wall = (x: EngineRun) => x.steps.reduce((t, m) => t + m.wallS, 0);
      const cpu = (x: EngineRun) => x.steps.reduce((t, m) => t + m.cpuS + containersCpu(m), 0);
      const same = COMPARED.every(
        (f) => readFileSync(join(e.out, f), 'utf8') === readFileSync(join(s.out, f), 'utf8'),
      );
      identical &&= same;
      say(
        `round ${r}: fetch + signals, spark ${wall(s).toFixed(1)} s wall / ${cpu(s).toFixed(1)} s CPU, embedded ${wall(e).toFixed(1)} s / ${cpu(e).toFixed(1)} s: **spark / embedded ${(wall(s) / wall(e)).toFixed(1)}x wall, ${(cpu(s) / cpu(e)).toFixed(1)}x CPU**; ${COMPARED.join(' and ')} ${same ? 'byte-identical' : 'DIFFER'}; load average ${load()}`,
      );
      say(`round ${r} signals generate said: spark "${s.said}", embedded "${e.said}"`);
    }
    if (!identical) process.exitCode = 1;
    return lines.join('\n');
  } finally {
    if (opts.keep) process.stdout.write(`kept ${root}${stack ? ` and stack ${stack.project}` : ''}\n`);
    else {
      rmSync(root, { recursive: true, force: true });
      await stack?.down({ volumes: true });
    }
  }
}

/** Which way a signals run went (`incremental: …` / `full recompute: …`), from its stderr. */
function pathLine(stderrFile: string): string {
  return (
    readFileSync(stderrFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('incremental:') || l.startsWith('full recompute:')) ?? ''
  );
}

const containersCpu = (s: Step) => Object.values(s.containers).reduce((t, v) => t + v, 0);

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string', default: 'demo_large' },
      years: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '2' },
      project: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  await runSparkVsEmbedded({
    symbols: values.symbols,
    years: Number(values.years),
    rounds: Number(values.rounds),
    stack: values.project
      ? { compose: composeProjectFor({ project: values.project }), env: process.env }
      : undefined,
    keep: values.keep,
  });
}
