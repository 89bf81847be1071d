/**
 * The Spark pipeline before and after the long-lived driver, in ONE run on the same machine and data: the command a
 * user runs, `bf pipeline run --engine spark --local --symbol-list demo_small --source sample`, on
 *   - before: the last commit before the spark-sql service (the long-lived driver) landed, checked out with
 *     `git worktree add` into a temp dir outside the repo, `npm ci` there, started with ITS OWN `bf infra start`
 *     and compose files (a `spark-submit`, a JVM and an application per job; Delta/S3A from that commit's way of
 *     getting jars);
 *   - after: this checkout.
 * Each stack is started, used for one pipeline run and torn down with its volumes before the next one starts. After
 * each Spark run the disk used under the worker's work dir (/opt/spark/work) is read from the worker container.
 * The embedded engine (DuckDB) runs the same command in the same invocation as the peer.
 *
 *   flock /tmp/bf-bench.lock flock /tmp/bf-stack.lock node bench/spark-before-after.ts \
 *     [--before <commit>] [--before-dir DIR] [--symbols demo_small] [--only before|after]
 *
 * --before defaults to the parent of the first commit whose compose file runs HiveThriftServer2 (found with
 * `git log -S`). --before-dir reuses a prepared checkout (with node_modules) instead of making one; --after-dir
 * runs "after" (and the embedded peer) from another checkout than this one; --also LABEL=DIR (repeatable) adds a
 * Spark run of another checkout (e.g. a branch) after them. --sql-dir DIR keeps, per run on the long-lived driver,
 * its SQL executions with their durations (the driver UI's /api/v1/applications/<id>/sql) as JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    'before-dir': { type: 'string' },
    'after-dir': { type: 'string' },
    also: { type: 'string', multiple: true },
    'sql-dir': { type: 'string' },
    symbols: { type: 'string', default: 'demo_small' },
    only: { type: 'string' },
    project: { type: 'string', default: 'bf-bench-ba' },
  },
});
const repo = resolve(import.meta.dirname, '..');
const afterDir = values['after-dir'] ? resolve(values['after-dir']) : repo;
const project = values.project as string;
const env = { ...process.env, BF_LOCAL_IMAGES: '1', BF_PROJECT: project, NO_COLOR: '1' };
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function git(...args: string[]): Promise<string> {
  return (await execa('git', ['-C', repo, ...args])).stdout.trim();
}

async function beforeCommit(): Promise<string> {
  if (values.before) return git('rev-parse', values.before);
  const first = (
    await git('log', '--format=%H', '--reverse', '-S', 'HiveThriftServer2', '--', 'infra/docker-compose.yml')
  ).split('\n')[0];
  if (!first) throw new Error('no commit adds HiveThriftServer2 to infra/docker-compose.yml; pass --before');
  return git('rev-parse', `${first}^`);
}

interface Measured {
  label: string;
  startMs: number;
  wallMs: number;
  stages: { stage: string; ms: number }[];
  workDirBytes: number | null;
}

/** `bf pipeline run` in `dir`; wall time of the command and its per-stage timings (--json). */
async function pipeline(
  dir: string,
  engine: 'spark' | 'duckdb',
): Promise<Omit<Measured, 'label' | 'startMs'>> {
  const work = await mkdtemp(join(tmpdir(), `bf-ba-${engine}-`));
  try {
    const t = performance.now();
    const r = await execa(
      process.execPath,
      [
        'bin/bf.js',
        'pipeline',
        'run',
        '--engine',
        engine,
        ...(engine === 'spark' ? ['--local', '--project', project] : []),
        '--symbol-list',
        values.symbols as string,
        '--source',
        'sample',
        '--workdir',
        join(work, 'ws'),
        '--out',
        join(work, 'out'),
        '--json',
      ],
      { cwd: dir, env, reject: false, all: true },
    );
    const wallMs = performance.now() - t;
    if (r.exitCode !== 0)
      throw new Error(`bf pipeline run (${engine}) in ${dir} exited ${r.exitCode}:\n${r.all}`);
    const json = JSON.parse(r.stdout) as { timings?: { stage: string; ms: number }[] };
    const stageLines = (r.stderr.match(/.*spark: .*done in.*/g) ?? []).slice(0, 40);
    if (stageLines.length) process.stderr.write(`${stageLines.join('\n')}\n`);
    return { wallMs, stages: json.timings ?? [], workDirBytes: null };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function workerWorkDir(): Promise<number | null> {
  const { stdout: id } = await execa('docker', [
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'label=com.docker.compose.service=spark-worker',
  ]);
  if (!id.trim()) return null;
  const du = await execa('docker', ['exec', id.trim(), 'du', '-sb', '/opt/spark/work'], { reject: false });
  return du.exitCode === 0 ? Number(du.stdout.split(/\s/)[0]) : null;
}

/** The long-lived driver's SQL executions (statement, start, duration), when the stack has one. */
async function keepSqlExecutions(label: string, dir: string): Promise<void> {
  const ui = `http://127.0.0.1:${process.env.BF_SPARK_SQL_UI_PORT ?? 4040}/api/v1/applications`;
  const apps = (await fetch(ui)
    .then((r) => r.json())
    .catch(() => [])) as { id: string }[];
  if (!apps[0]) return;
  const sql = await fetch(`${ui}/${apps[0].id}/sql?details=false&length=5000`).then((r) => r.text());
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${label.replace(/[^\w.-]+/g, '_')}.sql.json`), sql);
}

/** Starts the variant's own stack, runs the Spark pipeline once, reads the worker's disk, tears it all down. */
async function sparkRun(label: string, dir: string): Promise<Measured> {
  const bf = (...args: string[]) =>
    execa(process.execPath, ['bin/bf.js', ...args], { cwd: dir, env, all: true, reject: false });
  process.stderr.write(`[${label}] bf infra start --local (load ${load()})\n`);
  const t = performance.now();
  const up = await bf('infra', 'start', '--local', '--project', project);
  const startMs = performance.now() - t;
  try {
    if (up.exitCode !== 0) throw new Error(`[${label}] bf infra start exited ${up.exitCode}:\n${up.all}`);
    process.stderr.write(
      `[${label}] stack up in ${secs(startMs)}; bf pipeline run --engine spark (load ${load()})\n`,
    );
    const run = await pipeline(dir, 'spark');
    if (values['sql-dir']) await keepSqlExecutions(label, values['sql-dir']);
    return { label, startMs, ...run, workDirBytes: await workerWorkDir() };
  } finally {
    const down = await bf('infra', 'stop', '--volumes', '--project', project);
    if (down.exitCode !== 0) process.stderr.write(`[${label}] bf infra stop failed:\n${down.all}\n`);
  }
}

const commit = await beforeCommit();
const results: Measured[] = [];
const uptimeAtStart = (await execa('uptime')).stdout.trim();
let beforeDir = values['before-dir'] ? resolve(values['before-dir']) : undefined;
let madeWorktree = false;
try {
  if (values.only !== 'after' && !beforeDir) {
    beforeDir = await mkdtemp(join(tmpdir(), 'bf-before-'));
    process.stderr.write(`before = ${commit.slice(0, 12)}: git worktree add ${beforeDir}; npm ci\n`);
    await git('worktree', 'add', '--detach', beforeDir, commit);
    madeWorktree = true;
    await execa('npm', ['ci', '--no-audit', '--no-fund'], { cwd: beforeDir, stdio: 'inherit' });
  }
  // Embedded peer first (no stack), then before, then after: one stack at a time.
  const duck = await pipeline(afterDir, 'duckdb');
  results.push({ label: 'embedded (duckdb, after)', startMs: 0, ...duck });
  if (values.only !== 'after')
    results.push(await sparkRun(`before ${commit.slice(0, 7)}`, beforeDir as string));
  if (values.only !== 'before') {
    const head = (await execa('git', ['-C', afterDir, 'rev-parse', 'HEAD'])).stdout.trim();
    results.push(await sparkRun(`after ${head.slice(0, 7)}`, afterDir));
  }
  for (const spec of values.also ?? []) {
    const [label, dir] = spec.split('=');
    if (!label || !dir) throw new Error(`--also takes LABEL=DIR, got ${spec}`);
    results.push(await sparkRun(label, resolve(dir)));
  }
} finally {
  if (madeWorktree && beforeDir) await git('worktree', 'remove', '--force', beforeDir).catch(() => undefined);
}

const stageNames = [...new Set(results.flatMap((r) => r.stages.map((s) => s.stage)))];
const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `bf pipeline run --symbol-list ${values.symbols} --source sample; ${uptimeAtStart}; load now ${load()}`,
);
console.log(
  [
    pad('run', 26),
    pad('stack up', 10),
    ...stageNames.map((s) => pad(s, 9)),
    pad('total', 9),
    'worker work dir',
  ].join(' '),
);
for (const r of results) {
  const by = new Map(r.stages.map((s) => [s.stage, s.ms]));
  console.log(
    [
      pad(r.label, 26),
      pad(r.startMs ? secs(r.startMs) : '-', 10),
      ...stageNames.map((s) => pad(by.has(s) ? secs(by.get(s) as number) : '-', 9)),
      pad(secs(r.wallMs), 9),
      r.workDirBytes === null ? '-' : `${(r.workDirBytes / 2 ** 20).toFixed(1)} MiB`,
    ].join(' '),
  );
}
const duck = results.find((r) => r.label.startsWith('embedded'));
const before = results.find((r) => r.label.startsWith('before'));
/** Spark seconds of a run: its engine stages (fetch, signals, store), without publish and report. */
const sparkStages = (r: Measured) =>
  r.stages.filter((s) => ['fetch', 'signals', 'store'].includes(s.stage)).reduce((n, s) => n + s.ms, 0);
for (const r of results.filter((x) => x !== duck && x !== before)) {
  if (before) {
    console.log(
      `before / ${r.label}: pipeline wall ${(before.wallMs / r.wallMs).toFixed(1)}x, Spark stages (fetch+signals+store) ${(sparkStages(before) / sparkStages(r)).toFixed(1)}x`,
    );
  }
  if (duck) console.log(`${r.label} / embedded (pipeline wall): ${(r.wallMs / duck.wallMs).toFixed(1)}x`);
}
if (duck && before)
  console.log(`before / embedded (pipeline wall): ${(before.wallMs / duck.wallMs).toFixed(1)}x`);
