import { Command } from 'commander';
import type { CheckResult, DoctorReport } from '../../doctor/checks.ts';
import { EXIT } from '../../util/errors.ts';
import { escapeControl } from '../../util/escape.ts';
import { commonOptions as o } from '../options.ts';
import { printResult } from '../output.ts';

const MARK: Record<CheckResult['status'], string> = { ok: 'ok', warn: 'warn', missing: 'MISSING' };

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  for (const path of ['embedded', 'stack'] as const) {
    lines.push(
      path === 'embedded' ? 'Embedded engine (Node + DuckDB, nothing else):' : 'The stack (Docker Compose):',
    );
    for (const c of r.checks.filter((x) => x.path === path)) {
      lines.push(`  ${MARK[c.status].padEnd(8)}${c.name.padEnd(9)}${escapeControl(c.detail)}`);
    }
  }
  lines.push('');
  lines.push(
    r.embedded
      ? 'embedded path: ready — npx bf pipeline run --symbol-list demo_small --source sample --out out/'
      : 'embedded path: NOT ready',
  );
  const embeddedMissing = r.checks.filter((c) => c.path === 'embedded' && c.status === 'missing');
  for (const c of embeddedMissing) lines.push(`  - ${c.name}: ${escapeControl(c.hint ?? c.detail)}`);
  const stackBlocked = r.checks.filter((c) => c.path === 'stack' && c.status !== 'ok');
  lines.push(
    r.stack
      ? `stack path: ready${stackBlocked.length ? ' (see the warnings)' : ''} — npx bf infra start`
      : `stack path: ${stackBlocked.filter((c) => c.status === 'missing').length} thing(s) missing:`,
  );
  for (const c of stackBlocked) {
    lines.push(
      `  - ${c.name}${c.status === 'warn' ? ' (warning)' : ''}: ${escapeControl(c.hint ?? c.detail)}`,
    );
  }
  return lines.join('\n');
}

/** `bf doctor`: what this machine can run. Exit 0 when the embedded path works, whatever the stack's state. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('what can run here: Node, DuckDB, the lake; Docker, Compose v2, ports, memory, disk, images')
    .addOption(o.workdir())
    .addOption(o.json())
    .addHelpText(
      'after',
      '\nExit code 0 when the embedded path works (the stack path may still miss things: each is listed), 1 when not.\nExamples:\n  bf doctor\n  bf doctor --json | jq .checks',
    )
    .action(async (flags: { workdir?: string; json?: boolean }) => {
      const { runChecks, verdict } = await import('../../doctor/checks.ts');
      const { doctorDoc } = await import('../inspect-docs.ts');
      const report = verdict(await runChecks({ workdir: flags.workdir }));
      printResult(
        flags.json,
        () => doctorDoc(report),
        () => formatDoctor(report),
      );
      process.exitCode = report.embedded ? EXIT.ok : EXIT.failure;
    });
}
