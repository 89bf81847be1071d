/**
 * `bf infra` against the real engine, the locally built images and the real services.
 * Run: npx vitest run --project stack test/stack/infra.test.ts
 * Every run uses its own project name and its own free host ports, so it never collides with a stack
 * someone else runs on the default ports.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraCommand } from '../../src/cli/commands/infra.ts';
import { defaultComposeFiles } from '../../src/config/stack.ts';
import { ComposeProject } from '../../src/infra/compose.ts';
import {
  restartService,
  StackNotReadyError,
  type StartedStack,
  stackHealth,
  stackStatus,
  startStack,
  stopStack,
} from '../../src/infra/stack.ts';
import { infraHealthShape, infraStatusShape } from '../../src/report/schemas.ts';
import { BfError, UsageError } from '../../src/util/errors.ts';
import type { Logger } from '../../src/util/log.ts';
import { faultOverride, holdPort, writeOverride } from '../support/faults.ts';
import { runBf } from '../support/run-bf.ts';
import { freePortEnv, PORT_ENVS } from '../support/stack.ts';

const lines: string[] = [];
const logger: Logger = {
  info: (m) => lines.push(m),
  warn: (m) => lines.push(`warning: ${m}`),
  error: (m) => lines.push(`error: ${m}`),
  progress: () => {},
};

const project = `bf-t${Math.random().toString(36).slice(2, 8)}`;
const files = defaultComposeFiles({ local: true });
let env: NodeJS.ProcessEnv;
let stack: StartedStack | undefined;

async function byLabel(kind: 'ps' | 'network' | 'volume'): Promise<string[]> {
  const filter = `label=com.docker.compose.project=${project}`;
  const args = kind === 'ps' ? ['ps', '-aq', '--filter', filter] : [kind, 'ls', '-q', '--filter', filter];
  const r = await execa('docker', args);
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  env = await freePortEnv();
});

afterAll(async () => {
  // Whatever happened, leave nothing behind.
  await new ComposeProject({ name: project, files, env }).down({ volumes: true }).catch(() => {});
});

describe('errors before anything starts', () => {
  it('a broken compose override names the file', async () => {
    const bad = await writeOverride('broken-override', ['services:', '  kafka:', '    ports: [']);
    const err = await startStack({ project, composeFiles: [files[0]!, bad], env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toContain(`invalid compose file ${bad}`);
    expect((err as BfError).message).toMatch(/yaml/);
  });

  it('a missing compose file names the file', async () => {
    const missing = join(tmpdir(), 'bf-no-such-compose.yml');
    await expect(startStack({ project, composeFiles: [files[0]!, missing], env })).rejects.toThrow(
      `compose file not found: ${missing}`,
    );
  });

  it('an unknown service lists the valid ones', async () => {
    const err = await startStack({ project, local: true, env, services: ['kafka', 'zookeeper'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe('unknown service: zookeeper');
    expect((err as UsageError).hint).toContain('elasticsearch');
  });

  it('a port in use fails preflight naming the port, the service and the holder', async () => {
    const { port, release } = await holdPort();
    try {
      const err = await startStack({ project, local: true, env: { ...env, BF_S3_PORT: String(port) } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BfError);
      expect((err as BfError).message).toContain(`127.0.0.1:${port} (s3, container port 9000) is in use by`);
      expect((err as BfError).message).toContain(`pid ${process.pid}`);
      expect(await byLabel('ps')).toEqual([]);
    } finally {
      await release();
    }
  });
});

/** Starts `services` with one fault override on top of the stack's files; the error it fails with (or the stack). */
async function startWithFault(name: string, override: string[], services: string[], waitSeconds: number) {
  const file = await writeOverride(name, override);
  lines.length = 0;
  return startStack({ project, composeFiles: [...files, file], env, services, waitSeconds, logger }).catch(
    (e: unknown) => e,
  );
}

describe('a service that never becomes ready', () => {
  it('is named with its health output and last log lines, and what was started is torn down', async () => {
    const err = await startWithFault(
      'failing-health',
      faultOverride.neverHealthy('s3', 'bf-test forced failure'),
      ['s3'],
      8,
    );
    expect(err).toBeInstanceOf(StackNotReadyError);
    const e = err as StackNotReadyError;
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(
      /^stack bf-t\w+ not ready after [89]\.\d s: s3 \(compose health = healthy: health/,
    );
    expect(e.diagnoses.map((d) => d.service)).toEqual(['s3']);
    expect(e.diagnoses[0]!.healthOutput.join('\n')).toContain('bf-test forced failure');
    expect(e.diagnoses[0]!.logTail.length).toBeGreaterThan(0);
    expect(e.diagnoses[0]!.logTail.length).toBeLessThanOrEqual(50);
    expect(lines.join('\n')).toContain('--- s3 health check output ---');
    expect(await byLabel('ps')).toEqual([]);
    expect(await byLabel('volume')).toEqual([]);
  });
});

describe('one deadline for up and the wait (like compose up --wait-timeout)', () => {
  it('a dependency never healthy holds up itself: the deadline cuts up and names the dependency', async () => {
    // s3-console depends on s3 being healthy, so `compose up s3-console` waits on s3's health check.
    const err = await startWithFault(
      'failing-dep',
      faultOverride.neverHealthy('s3', 'bf-test dependency never healthy'),
      ['s3-console'],
      8,
    );
    expect(err).toBeInstanceOf(StackNotReadyError);
    const e = err as StackNotReadyError;
    expect(lines.join('\n')).toContain('docker compose up did not return within 8 s');
    expect(e.message).toMatch(/^stack bf-t\w+ not ready after [89]\.\d s: .*s3 \(compose health = healthy/);
    expect(e.diagnoses.find((d) => d.service === 's3')!.healthOutput.join('\n')).toContain(
      'bf-test dependency never healthy',
    );
    expect(await byLabel('ps')).toEqual([]);
  });
});

describe('a service that dies while starting', () => {
  const start = (name: string, override: string[]) => startWithFault(name, override, ['s3'], 240);

  it('exiting 3 s after start is named at once (not at the deadline) with its exit code and last log lines', async () => {
    const err = await start('exits', faultOverride.exitsAfter3s('s3'));
    expect(err).toBeInstanceOf(StackNotReadyError);
    const e = err as StackNotReadyError;
    expect(e.message).toMatch(/ s3 \(compose health = healthy: container \S+ exited \(exit code 3\)\)$/);
    // Failed on the exit, not by running out the 240 s deadline.
    expect(e.report.notReady[0]!.checks[0]!.timedOut).toBe(false);
    expect(e.diagnoses[0]!.logTail.join('\n')).toContain('bf-fault: s3 gives up');
    expect(lines.join('\n')).toContain('--- s3: last ');
    expect(await byLabel('ps')).toEqual([]);
  });

  it('OOM-killed (exit 137) is named as out of memory with its limit', async () => {
    const err = await start('oom', faultOverride.oomKilled('s3'));
    expect(err).toBeInstanceOf(StackNotReadyError);
    const e = err as StackNotReadyError;
    expect(e.message).toContain('exited (exit code 137)');
    expect(e.message).toContain(
      "out of memory: killed by the kernel's OOM killer (exit 137) after using all of its 64 MiB limit",
    );
    expect(e.report.notReady[0]!.checks[0]!.timedOut).toBe(false);
    expect(e.diagnoses[0]!.logTail.join('\n')).toContain('bf-fault: s3 allocating');
    expect(await byLabel('ps')).toEqual([]);
  });
});

describe('the stack', () => {
  it('starts and every readiness check passes', async () => {
    lines.length = 0;
    stack = await startStack({ project, local: true, env, waitSeconds: 300, logger });
    expect(stack.report.ready).toBe(true);
    expect(stack.services).toEqual(
      expect.arrayContaining(['spark-master', 'spark-worker', 'kafka', 's3', 's3-console', 'elasticsearch']),
    );
    const checks = stack.report.services.flatMap((s) =>
      s.checks.map((c) => `${s.service}: ${c.name}: ${c.ok}`),
    );
    expect(checks.every((c) => c.endsWith('true'))).toBe(true);
    console.log(`started ${project}: ${JSON.stringify(stack.timings)}\n${lines.join('\n')}`);

    const health = await stackHealth({ project, local: true, env });
    expect(health.ok).toBe(true);
    const detail = Object.fromEntries(health.services.map((s) => [s.service, s.checks.map((c) => c.detail)]));
    expect(detail['spark-worker']!.join()).toMatch(/[1-9]\d* alive worker/);
    expect(detail.elasticsearch!.join()).toMatch(/status (green|yellow)/);
    expect(detail.s3!.join()).toMatch(/bucket bf-lake (exists|created)/);
    expect(detail.kafka!.join()).toContain('bf-readiness listed');
    expect(detail['s3-console']!.join()).toMatch(/logged in; buckets: .*bf-lake/);

    const status = await stackStatus({ project, local: true, env });
    const es = status.find((r) => r.service === 'elasticsearch')!;
    expect(es).toMatchObject({ state: 'running', health: 'healthy' });
    expect(es.ports).toContain(`127.0.0.1:${env.BF_ELASTICSEARCH_PORT}->9200/tcp`);
    expect(es.uptimeSeconds).toBeGreaterThanOrEqual(0);

    // The CLI's --json documents of the same stack, in their versioned shapes (strict: a stray key fails).
    const penv = env as Record<string, string>;
    const cliStatus = await runBf(['infra', 'status', '--json', '--local', '--project', project], penv);
    expect(cliStatus.code, cliStatus.stderr).toBe(0);
    const statusDoc = infraStatusShape.parse(JSON.parse(cliStatus.stdout));
    expect(statusDoc).toMatchObject({ schema: 'bf.infra.status/v1', project });
    expect(statusDoc.services.find((r) => r.service === 'elasticsearch')).toMatchObject({
      state: 'running',
      health: 'healthy',
      ports: expect.arrayContaining([`127.0.0.1:${env.BF_ELASTICSEARCH_PORT}->9200/tcp`]),
    });
    const cliHealth = await runBf(['infra', 'health', '--json', '--local', '--project', project], penv);
    expect(cliHealth.code, cliHealth.stderr).toBe(0);
    const healthDoc = infraHealthShape.parse(JSON.parse(cliHealth.stdout));
    expect(healthDoc).toMatchObject({ schema: 'bf.infra.health/v1', project, ok: true });
    expect(healthDoc.services.map((x) => x.service).sort()).toEqual(
      health.services.map((x) => x.service).sort(),
    );
  });

  it('health names a stopped container and fails (exit code 1)', async () => {
    expect(stack).toBeDefined();
    const es = (await stack!.compose.ps()).find((c) => c.service === 'elasticsearch')!;
    await execa('docker', ['stop', es.id]);
    const health = await stackHealth({ project, local: true, env });
    expect(health.ok).toBe(false);
    expect(health.services.filter((s) => !s.ok).map((s) => s.service)).toEqual(['elasticsearch']);

    // The CLI action: prints the table and throws a BfError with exit code 1 naming the service.
    const cmd = infraCommand().exitOverride();
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
    const prevEnv = { ...process.env };
    Object.assign(process.env, env);
    let err: unknown;
    try {
      await cmd.parseAsync(['node', 'infra', 'health', '--project', project, '--local']);
    } catch (e) {
      err = e;
    } finally {
      process.stdout.write = write;
      for (const k of PORT_ENVS) process.env[k] = prevEnv[k];
    }
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).exitCode).toBe(1);
    expect((err as BfError).message).toMatch(/^unhealthy: elasticsearch \(container .* exited/);
    expect(out.join('')).toMatch(/elasticsearch\s+compose health = healthy\s+FAIL/);
  });

  it('restart brings it back and health recovers', async () => {
    const report = await restartService({
      project,
      local: true,
      env,
      service: 'elasticsearch',
      waitSeconds: 180,
    });
    expect(report.ready).toBe(true);
    const health = await stackHealth({ project, local: true, env });
    expect(health.ok).toBe(true);
  });

  it('stop --volumes leaves no containers, networks or volumes of the project', async () => {
    expect(await byLabel('volume')).not.toEqual([]);
    await stopStack({ project, local: true, env, volumes: true });
    expect(await byLabel('ps')).toEqual([]);
    expect(await byLabel('network')).toEqual([]);
    expect(await byLabel('volume')).toEqual([]);
  });
});
