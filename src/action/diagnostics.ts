import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ComposeProject } from '../infra/compose.ts';

/** Lines kept per service: bounded in memory by the exec tail (never the whole log, unlike a plain `compose logs`). */
export const LOG_TAIL_LINES = 2000;

/**
 * Writes `compose ps` and the last lines of each service's log under `dir/diagnostics/`.
 * Each service is captured on its own so one broken container doesn't lose the others; returns the files written.
 */
export async function captureDiagnostics(project: ComposeProject, dir: string): Promise<string[]> {
  const out = path.join(dir, 'diagnostics');
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  const psFile = path.join(out, 'compose-ps.json');
  const ps = await project.exec.tryRun('docker', project.args('ps', '--all', '--format', 'json'), {
    env: project.env,
    timeoutMs: 30_000,
  });
  await writeFile(psFile, ps.exitCode === 0 ? ps.stdout : `exit ${ps.exitCode}\n${ps.stderr}`);
  written.push(psFile);

  let services: string[] = [];
  try {
    services = await project.services();
  } catch {
    // Config unreadable: one combined log is still worth having.
  }
  for (const service of services.length > 0 ? services : [undefined]) {
    const file = path.join(out, `${service ?? 'all'}.log`);
    try {
      const lines = await project.logs(service, LOG_TAIL_LINES);
      await writeFile(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    } catch (e) {
      await writeFile(file, `could not read logs: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    written.push(file);
  }
  return written;
}
