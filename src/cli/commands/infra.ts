import { resolve } from 'node:path';
import { Command, Option } from 'commander';
// The stack module is imported in each action: its clients (S3, Kafka, Elasticsearch, execa) would cost every
// other command about a second of start-up.
import type { HealthReport, ServiceStatus, StackTarget } from '../../infra/stack.ts';
import { BfError, UsageError } from '../../util/errors.ts';
import { type Logger, stderrLogger } from '../../util/log.ts';
import { printResult } from '../output.ts';

/** `--wait` in seconds: a finite number >= 0. */
export function parseWaitSeconds(raw: string): number {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new UsageError(
      `--wait: invalid value "${raw}"`,
      'give the seconds to wait, a number >= 0 (e.g. --wait 120)',
    );
  }
  return n;
}

/** `--tail` in lines: an integer >= 0. */
export function parseTail(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(
      `--tail: invalid value "${raw}"`,
      'give a number of lines, an integer >= 0 (e.g. --tail 100)',
    );
  }
  return n;
}

/** `--services a,b` → ['a','b']; empty entries are an error rather than silently ignored. */
export function parseServiceList(raw: string): string[] {
  const names = raw.split(',').map((s) => s.trim());
  if (!names.length || names.some((n) => n === '')) {
    throw new UsageError(
      `--services: invalid value "${raw}"`,
      'give comma-separated service names, e.g. kafka,s3',
    );
  }
  return names;
}

interface TargetFlags {
  project?: string;
  composeFile?: string[];
  local?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function withTargetFlags(cmd: Command): Command {
  return cmd
    .option('--project <name>', 'compose project name (default: BF_PROJECT or "bf")')
    .option('--compose-file <file>', 'compose file, repeatable (default: infra/docker-compose.yml)', collect)
    .option('--local', 'add infra/compose.local.yml: locally built images, no Kibana (or BF_LOCAL_IMAGES=1)');
}

function target(flags: TargetFlags, logger: Logger): StackTarget {
  return {
    project: flags.project,
    composeFiles: flags.composeFile?.map((f) => resolve(f)),
    local: flags.local ? true : undefined,
    logger,
  };
}

function formatUptime(s: number | undefined): string {
  if (s === undefined) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatStatus(rows: ServiceStatus[]): string {
  return formatTable([
    ['SERVICE', 'STATE', 'HEALTH', 'UPTIME', 'PORTS'],
    ...rows.map((r) => [
      r.service,
      r.state,
      r.health || '-',
      formatUptime(r.uptimeSeconds),
      r.ports.join(', ') || '-',
    ]),
  ]);
}

export function formatHealth(report: HealthReport): string {
  return formatTable([
    ['SERVICE', 'CHECK', 'RESULT', 'DETAIL'],
    ...report.services.flatMap((s) =>
      s.checks.map((c) => [s.service, c.name, c.ok ? 'ok' : 'FAIL', c.detail.split('\n')[0]!.slice(0, 160)]),
    ),
  ]);
}

export function infraCommand(): Command {
  const infra = new Command('infra').description(
    'Manage the Docker Compose stack (Spark, Kafka, S3, Elasticsearch, Kibana): start waits for real readiness',
  );

  withTargetFlags(
    infra
      .command('start')
      .description('preflight, start the stack, and wait until every service answers its readiness checks'),
  )
    .option('--wait <seconds>', 'overall readiness deadline in seconds', '300')
    .option('--services <list>', 'comma-separated services to start (their dependencies start too)')
    .option('--no-kibana', 'leave Kibana out')
    .option('--kibana-required', 'fail when Kibana is not ready or refuses a dashboard (default: a warning)')
    .option('--keep-on-failure', 'leave the containers running when the stack does not become ready')
    .action(
      async (
        flags: TargetFlags & {
          wait: string;
          services?: string;
          kibana: boolean;
          kibanaRequired?: boolean;
          keepOnFailure?: boolean;
        },
      ) => {
        const logger = stderrLogger();
        const { startStack } = await import('../../infra/stack.ts');
        const stack = await startStack({
          ...target(flags, logger),
          waitSeconds: parseWaitSeconds(flags.wait),
          services: flags.services === undefined ? undefined : parseServiceList(flags.services),
          kibana: flags.kibana,
          kibanaRequired: flags.kibanaRequired,
          keepOnFailure: flags.keepOnFailure,
        });
        process.stdout.write(`${stack.project}\n`);
      },
    );

  withTargetFlags(infra.command('stop').description('stop and remove the stack containers and network'))
    .option('--volumes', 'also remove the named volumes (all data)')
    .action(async (flags: TargetFlags & { volumes?: boolean }) => {
      const { stopStack } = await import('../../infra/stack.ts');
      await stopStack({ ...target(flags, stderrLogger()), volumes: flags.volumes });
    });

  withTargetFlags(
    infra
      .command('restart')
      .argument('[service]', 'service to restart (default: all)')
      .description('restart and wait'),
  )
    .option('--wait <seconds>', 'readiness deadline in seconds', '300')
    .action(async (service: string | undefined, flags: TargetFlags & { wait: string }) => {
      const { restartService } = await import('../../infra/stack.ts');
      await restartService({
        ...target(flags, stderrLogger()),
        service,
        waitSeconds: parseWaitSeconds(flags.wait),
      });
    });

  withTargetFlags(infra.command('status').description('service, state, health, uptime and ports'))
    .option('--json', 'print JSON')
    .action(async (flags: TargetFlags & { json?: boolean }) => {
      const { composeProjectFor, stackStatus } = await import('../../infra/stack.ts');
      const { infraStatusDoc } = await import('../inspect-docs.ts');
      const t = target(flags, stderrLogger());
      const rows = await stackStatus(t);
      printResult(
        flags.json,
        () => infraStatusDoc(composeProjectFor(t).name, rows),
        () => formatStatus(rows),
      );
    });

  withTargetFlags(
    infra.command('health').description('run every readiness check once; exit 0 only when all pass'),
  )
    .option('--services <list>', 'comma-separated services to check (default: those with a container)')
    .option('--json', 'print JSON')
    .action(async (flags: TargetFlags & { json?: boolean; services?: string }) => {
      const { stackHealth } = await import('../../infra/stack.ts');
      const { infraHealthDoc } = await import('../inspect-docs.ts');
      const report = await stackHealth({
        ...target(flags, stderrLogger()),
        services: flags.services === undefined ? undefined : parseServiceList(flags.services),
      });
      printResult(
        flags.json,
        () => infraHealthDoc(report),
        () => formatHealth(report),
      );
      if (!report.ok) {
        const bad = report.services.filter((s) => !s.ok);
        throw new BfError(
          `unhealthy: ${bad.map((s) => `${s.service} (${s.checks.find((c) => !c.ok)?.detail.split('\n')[0]})`).join('; ')}`,
          {
            hint: `see \`bf infra logs <service> --project ${report.project}\`; \`bf infra restart <service>\` may help`,
          },
        );
      }
    });

  withTargetFlags(
    infra.command('logs').argument('[service]', 'service (default: all)').description('print logs'),
  )
    .option('--follow', 'keep printing new lines')
    .addOption(new Option('--tail <lines>', 'lines per service from the end').default('100'))
    .action(async (service: string | undefined, flags: TargetFlags & { follow?: boolean; tail: string }) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const { stackLogs } = await import('../../infra/stack.ts');
        await stackLogs({
          ...target(flags, stderrLogger()),
          service,
          tail: parseTail(flags.tail),
          follow: flags.follow,
          stdout: process.stdout,
          stderr: process.stderr,
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', stop);
      }
    });

  return infra;
}
