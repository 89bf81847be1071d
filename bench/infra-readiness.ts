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
 * `up` to its container's healthy event (the slowest service sets the pace), then the CPU seconds each container
 * had burnt by its healthy event (its cgroup, health probes included): on a shared 2-core machine the wall seconds
 * follow the load, the CPU seconds are what a change to a service can cut.
 *
 * Run: node bench/infra-readiness.ts [--rounds N] [--cold-only] [--no-local] [--waiter bf|compose]
 *        [--services a,b] (those services and their dependencies; default the whole stack)
 */
import { loadavg } from 'node:os';
import { execa } from 'execa';
import { defaultComposeFiles } from '../src/config/stack.ts';
import { withSparkJarsDir } from '../src/engines/spark/jars.ts';
import { ComposeProject } from '../src/infra/compose.ts';
import { startStack } from '../src/infra/stack.ts';
import { freePort } from '../src/util/net.ts';
import { containerCpuMs } from './support/container-cpu.ts';
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
  /** 1-minute load average when `up` was called. */
  load: number;
  /** Per service: CPU its container had used by its healthy event. */
  cpuAtHealthyMs: Record<string, number>;
}

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 1) || 1;
const local = !args.includes('--no-local');
const coldOnly = args.includes('--cold-only');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const waiters = (['bf', 'compose --wait'] as const).filter(
  (w) => !option('--waiter') || w.startsWith(option('--waiter') as string),
);
const only = option('--services')?.split(',').filter(Boolean);
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

/**
 * Watches the project's health events; `healthy` maps service → first healthy time (ms since epoch), `cpu` maps
 * service → its container's CPU ms read on that event.
 */
function watchHealth(project: string) {
  const healthy = new Map<string, number>();
  const cpu = new Map<string, number>();
  const reads: Promise<void>[] = [];
  const follow = followDockerEvents(
    [`label=com.docker.compose.project=${project}`, 'event=health_status'],
    (e) => {
      if (!e.service || e.action !== 'health_status: healthy' || healthy.has(e.service)) return;
      const service = e.service;
      healthy.set(service, e.at);
      if (e.id) {
        reads.push(
          containerCpuMs(e.id).then((ms) => {
            if (ms !== undefined) cpu.set(service, ms);
          }),
        );
      }
    },
  );
  return {
    healthy,
    cpu,
    stop: async () => {
      await follow.stop(500);
      await Promise.all(reads);
    },
  };
}

async function measure(waiter: Waiter, temperature: Temperature, compose: ComposeProject): Promise<Run> {
  const watch = watchHealth(compose.name);
  await new Promise((r) => setTimeout(r, 300)); // the watcher is subscribed
  const load = loadavg()[0] ?? 0;
  const t0 = Date.now();
  if (waiter === 'bf') {
    await startStack({
      project: compose.name,
      composeFiles: [...compose.files],
      env: compose.env,
      services: only,
      waitSeconds: 600,
    });
  } else {
    await execa('docker', compose.args('up', '-d', '--wait', ...(only ?? [])), { env: compose.env });
  }
  const t1 = Date.now();
  await watch.stop();
  const healthyAfterMs = Object.fromEntries([...watch.healthy].map(([s, t]) => [s, t - t0]));
  const last = Math.max(...watch.healthy.values());
  return {
    waiter,
    temperature,
    load,
    totalMs: t1 - t0,
    latencyMs: Math.round(t1 - last),
    healthyAfterMs,
    cpuAtHealthyMs: Object.fromEntries(watch.cpu),
  };
}

const runs: Run[] = [];
for (let round = 0; round < rounds; round++) {
  for (const waiter of waiters) {
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
const cpuTotal = (r: Run) => Object.values(r.cpuAtHealthyMs).reduce((a, b) => a + b, 0);
console.log('\nreadiness-detection latency (waiter returned − last container healthy event)');
console.log(
  [
    'waiter',
    'start',
    'load',
    'total s',
    'latency ms',
    'CPU s',
    ...services.map((x) => `${x} s (CPU s)`),
  ].join('\t'),
);
for (const r of runs) {
  console.log(
    [
      r.waiter,
      r.temperature,
      r.load.toFixed(1),
      s(r.totalMs),
      String(r.latencyMs),
      s(cpuTotal(r)),
      ...services.map((x) => `${s(r.healthyAfterMs[x])} (${s(r.cpuAtHealthyMs[x])})`),
    ].join('\t'),
  );
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const loads = runs.map((r) => r.load);
console.log(
  `\nmedian over ${rounds} round(s), seconds from \`up\` to healthy (CPU seconds the container used by then); ` +
    `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} at the starts, ${loadavg()[0]?.toFixed(1)} now`,
);
console.log(['waiter', 'start', 'ready s', 'CPU s', ...services.map((x) => `${x} s (CPU s)`)].join('\t'));
const present = (xs: (number | undefined)[]) => xs.filter((v): v is number => v !== undefined);
for (const temperature of coldOnly ? (['cold'] as const) : (['cold', 'warm'] as const)) {
  for (const waiter of waiters) {
    const rs = runs.filter((r) => r.waiter === waiter && r.temperature === temperature);
    console.log(
      [
        waiter,
        temperature,
        s(median(rs.map((r) => r.totalMs))),
        s(median(rs.map(cpuTotal))),
        ...services.map(
          (x) =>
            `${s(median(present(rs.map((r) => r.healthyAfterMs[x]))))} (${s(median(present(rs.map((r) => r.cpuAtHealthyMs[x]))))})`,
        ),
      ].join('\t'),
    );
  }
}
