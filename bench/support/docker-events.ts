/**
 * The engine's own event stream (`docker events --format '{{json .}}'`), one parsed event per JSON line, with the
 * engine's timestamps: what the benchmarks time faults and health flips against, independent of the command measured.
 */
import { execa } from 'execa';

export interface DockerEvent {
  /** container, network, … */
  type: string;
  /** die, oom, start, health_status: healthy, … */
  action: string;
  /** The compose service of the container, when it has one. */
  service: string | undefined;
  /** The object's id (for a container, its full id). */
  id: string | undefined;
  attributes: Record<string, string>;
  /** ms since the epoch, from the engine. */
  at: number;
}

/** Follows the events matching `filters` (`--filter` values) until `stop()`, which waits `trailingMs` for late ones. */
export function followDockerEvents(filters: readonly string[], onEvent: (e: DockerEvent) => void) {
  const child = execa(
    'docker',
    ['events', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{json .}}'],
    {
      buffer: false,
      reject: false,
    },
  );
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as {
        Type?: string;
        Action?: string;
        timeNano?: number;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      if (!e.Type || !e.Action || !e.timeNano) continue;
      const attributes = e.Actor?.Attributes ?? {};
      onEvent({
        type: e.Type,
        action: e.Action,
        service: attributes['com.docker.compose.service'],
        id: e.Actor?.ID,
        attributes,
        at: e.timeNano / 1e6,
      });
    }
  });
  return {
    async stop(trailingMs = 300): Promise<void> {
      await new Promise((r) => setTimeout(r, trailingMs));
      child.kill();
      await child.catch(() => {});
    },
  };
}
