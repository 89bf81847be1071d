/**
 * Start-up faults, each run twice on the same compose files plus the same fault override, in the same run:
 * `bf infra start` and `docker compose up -d --wait`. Both start s3 (the faulty service) and kafka (a healthy
 * one, to see what each leaves running).
 */

import { execa } from 'execa';
import { defaultComposeFiles } from '../../src/config/stack.ts';
import { ComposeProject } from '../../src/infra/compose.ts';
import { faultOverride, holdPort, writeOverride } from '../../test/support/faults.ts';
import { BF_BIN, type FaultRow, portEnv } from './common.ts';
import { run, runningServices, watchEngine } from './observe.ts';

export type Runner = 'bf infra start' | 'compose up --wait';

interface InfraCase {
  name: string;
  /** Compose override lines (YAML), or none. */
  override?: string[];
  /** Both runners get this deadline (bf --wait, compose --wait-timeout); none: compose waits without one. */
  waitSeconds?: number;
  /** Something taken before the start (a port); returns its release. */
  setup?: (env: NodeJS.ProcessEnv) => Promise<() => Promise<void>>;
  /** The fault's moment: the engine's event for the container, or the command's start. */
  faultEvent?: 'die';
}

const FAULTY = 's3';
const SERVICES = ['s3', 'kafka'];

export const INFRA_CASES: InfraCase[] = [
  {
    name: 'a service exits 3 s after start',
    override: faultOverride.exitsAfter3s(FAULTY, 5),
    faultEvent: 'die',
  },
  {
    name: 'a service never healthy',
    override: faultOverride.neverHealthy(FAULTY, 'bf-fault: forced health failure'),
    waitSeconds: 30,
  },
  { name: 'a service OOM-killed', override: faultOverride.oomKilled(FAULTY), faultEvent: 'die' },
  {
    name: 'a host port taken',
    setup: async (env) => (await holdPort(Number(env.BF_S3_PORT))).release,
  },
];

/** A line that reports the failure, per runner. */
const FAILURE_LINE: Record<Runner, RegExp> = {
  'bf infra start': /^(error: |warning: s3 not ready)|not ready|is in use by/,
  'compose up --wait': /error|exited|unhealthy|not healthy|failed|allocated|in use/i,
};

const GIVE_UP_MS = 180_000;

export async function runInfraCase(c: InfraCase, runner: Runner): Promise<FaultRow> {
  const project = `bf-fault-${Math.random().toString(36).slice(2, 8)}`;
  const env = await portEnv();
  const files = defaultComposeFiles({ local: true });
  if (c.override) files.push(await writeOverride(project, c.override));
  const compose = new ComposeProject({ name: project, files, env });
  const release = await c.setup?.(env);
  const watch = watchEngine(project);
  await new Promise((r) => setTimeout(r, 300)); // subscribed
  const t0 = Date.now();
  const p =
    runner === 'bf infra start'
      ? run(
          process.execPath,
          [
            BF_BIN,
            'infra',
            'start',
            '--project',
            project,
            ...files.flatMap((f) => ['--compose-file', f]),
            '--services',
            SERVICES.join(','),
            '--wait',
            String(c.waitSeconds ?? 300),
          ],
          env,
        )
      : run(
          'docker',
          compose.args(
            'up',
            '-d',
            '--wait',
            ...(c.waitSeconds ? ['--wait-timeout', String(c.waitSeconds)] : []),
            ...SERVICES,
          ),
          env,
        );
  const timedOut = await Promise.race([
    p.exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), GIVE_UP_MS)),
  ]);
  if (timedOut) p.kill('SIGTERM');
  const exit = await p.exited;
  try {
    const left = await runningServices(project);
    const serviceLog =
      runner === 'compose up --wait'
        ? (
            await execa('docker', compose.args('logs', '--no-color', '--no-log-prefix', FAULTY), {
              env,
              reject: false,
            })
          ).stdout
            .split('\n')
            .filter((l) => l.trim().length > 8)
        : [];
    await watch.stop();
    const failure = p.lines.find((l) => FAILURE_LINE[runner].test(l.text));
    const faultAt = c.faultEvent ? (watch.first(FAULTY, c.faultEvent)?.at ?? t0) : t0;
    const output = p.lines.map((l) => l.text);
    const header = output.map((l) => /^--- s3: last (\d+) log lines ---/.exec(l)).find(Boolean);
    const logLines = header
      ? Number(header[1])
      : output.filter((l) => serviceLog.some((s) => l.includes(s.trim()))).length;
    const errorText = output.filter((l) => FAILURE_LINE[runner].test(l)).join('\n');
    const named = /\bs3\b|-s3-/.test(errorText);
    const oom = /out of memory|OOM/i.test(errorText);
    return {
      fault: c.name,
      runner,
      detected: !timedOut && exit.code !== 0 && failure !== undefined,
      seconds: failure && !timedOut ? (failure.at - faultAt) / 1000 : undefined,
      named: named ? `s3${oom ? ' (out of memory)' : c.name.includes('OOM') ? ' (not as OOM)' : ''}` : 'no',
      logLines,
      leftRunning: left.length ? left.join(', ') : 'none',
      dataLost: 'n/a',
      message:
        failure?.text ?? (timedOut ? `still waiting after ${GIVE_UP_MS / 1000} s` : '(no failure line)'),
      exit: timedOut ? 'killed by the bench' : String(exit.code ?? exit.signal),
    };
  } finally {
    await compose.down({ volumes: true }).catch(() => {});
    await release?.();
  }
}
