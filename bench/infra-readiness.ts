/**
 * Readiness-detection latency of `bf infra start` (startStack) vs `docker compose up -d --wait`, on the same
 * stack, cold (fresh containers and volumes, images cached) and warm (stopped containers started again).
 *
 * The ready moment of each service is taken from the engine, independent of either waiter: the first
 * `health_status: healthy` event of its container (`docker events`). Latency = waiter returned − last
 * service's healthy event. bf also runs semantic checks after compose health (Spark worker registered,
 * Kafka topic created, ES cluster health, S3 bucket), which this latency includes.
 *
 * Per round and waiter: a cold start, then (unless --cold-only) a warm one. The table ends with the median over the
 * rounds of each column, bf's next to compose's: the whole stack's time to ready and each service's time from
 * `up` to its container's healthy event (the slowest service sets the pace).
 *
 * Run: node bench/infra-readiness.ts [--rounds N] [--cold-only] [--no-local]
 */
import { loadavg } from 'node:os';
import { execa } from 'execa';
import { defaultComposeFiles } from '../src/config/stack.ts';
import { withSparkJarsDir } from '../src/engines/spark/jars.ts';
import { ComposeProject } from '../src/infra/compose.ts';
import { startStack } from '../src/infra/stack.ts';
import { freePort } from '../src/util/net.ts';
import { followDockerEvents } from './support/docker-events.ts';

type Waiter = 'bf' | 'compose --wait';
type Temperature = 'cold' | 'warm';

interface Run {
  waiter: Waiter;
  temperature: Temperature;
  totalMs: number;
  latencyMs: number;
  /** Per service: up call → container healthy. */
  healthyAfterMs: Record<string, number>;
}

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 1) || 1;
const local = !args.includes('--no-local');
const coldOnly = args.includes('--cold-only');
const files = defaultComposeFiles({ local });

async function portEnv(): Promise<NodeJS.ProcessEnv> {
  // The Spark jars dir as bf sets it, so that `compose up --wait` mounts the same jars.
  const env: NodeJS.ProcessEnv = withSparkJarsDir({ ...process.env });
  for (const name of [
    'BF_SPARK_UI_PORT',
    'BF_SPARK_MASTER_PORT',
    'BF_SPARK_SQL_PORT',
    'BF_SPARK_SQL_UI_PORT',
    'BF_KAFKA_PORT',
    'BF_S3_PORT',
    'BF_S3_CONSOLE_PORT',
    'BF_ELASTICSEARCH_PORT',
    'BF_KIBANA_PORT',
  ]) {
    env[name] = String(await freePort());
  }
  return env;
}

/** Watches the project's health events; `healthy` maps service → first healthy time (ms since epoch). */
function watchHealth(project: string) {
  const healthy = new Map<string, number>();
  const follow = followDockerEvents(
    [`label=com.docker.compose.project=${project}`, 'event=health_status'],
    (e) => {
      if (e.service && e.action === 'health_status: healthy' && !healthy.has(e.service))
        healthy.set(e.service, e.at);
    },
  );
  return { healthy, stop: () => follow.stop(500) };
}

async function measure(waiter: Waiter, temperature: Temperature, compose: ComposeProject): Promise<Run> {
  const watch = watchHealth(compose.name);
  await new Promise((r) => setTimeout(r, 300)); // the watcher is subscribed
  const t0 = Date.now();
  if (waiter === 'bf') {
    await startStack({
      project: compose.name,
      composeFiles: [...compose.files],
      env: compose.env,
      waitSeconds: 600,
    });
  } else {
    await execa('docker', compose.args('up', '-d', '--wait'), { env: compose.env });
  }
  const t1 = Date.now();
  await watch.stop();
  const healthyAfterMs = Object.fromEntries([...watch.healthy].map(([s, t]) => [s, t - t0]));
  const last = Math.max(...watch.healthy.values());
  return { waiter, temperature, totalMs: t1 - t0, latencyMs: Math.round(t1 - last), healthyAfterMs };
}

const runs: Run[] = [];
for (let round = 0; round < rounds; round++) {
  for (const waiter of ['bf', 'compose --wait'] as const) {
    const name = `bf-bench-${Math.random().toString(36).slice(2, 8)}`;
    const compose = new ComposeProject({ name, files, env: await portEnv() });
    try {
      runs.push(await measure(waiter, 'cold', compose));
      if (!coldOnly) {
        await compose.stop();
        runs.push(await measure(waiter, 'warm', compose));
      }
    } finally {
      await compose.down({ volumes: true }).catch(() => {});
    }
    const r = runs.slice(coldOnly ? -1 : -2);
    for (const x of r) {
      process.stderr.write(
        `${x.waiter} ${x.temperature}: total ${(x.totalMs / 1000).toFixed(1)} s, latency ${x.latencyMs} ms\n`,
      );
    }
  }
}

const services = [...new Set(runs.flatMap((r) => Object.keys(r.healthyAfterMs)))].sort();
const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
console.log('\nreadiness-detection latency (waiter returned − last container healthy event)');
console.log(['waiter', 'start', 'total s', 'latency ms', ...services.map((x) => `${x} s`)].join('\t'));
for (const r of runs) {
  console.log(
    [
      r.waiter,
      r.temperature,
      s(r.totalMs),
      String(r.latencyMs),
      ...services.map((x) => s(r.healthyAfterMs[x])),
    ].join('\t'),
  );
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
console.log(`\nmedian over ${rounds} round(s), seconds from \`up\` (load now ${loadavg()[0]?.toFixed(2)})`);
console.log(['waiter', 'start', 'ready s', ...services.map((x) => `${x} s`)].join('\t'));
for (const temperature of coldOnly ? (['cold'] as const) : (['cold', 'warm'] as const)) {
  for (const waiter of ['bf', 'compose --wait'] as const) {
    const rs = runs.filter((r) => r.waiter === waiter && r.temperature === temperature);
    console.log(
      [
        waiter,
        temperature,
        s(median(rs.map((r) => r.totalMs))),
        ...services.map((x) =>
          s(median(rs.map((r) => r.healthyAfterMs[x]).filter((v): v is number => v !== undefined))),
        ),
      ].join('\t'),
    );
  }
}
