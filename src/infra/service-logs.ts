import { BfError } from '../util/errors.ts';
import type { StackTarget } from './stack.ts';

/** A service's last log lines from the run's Compose stack. */
export type ServiceLogs = (service: string, lines: number) => Promise<string[]>;

/** Lines attached to a failure that names a service: enough to see its last error, short enough to read. */
export const SERVICE_LOG_LINES = 20;

/** The block a failure carries for a service's log tail: one header shape everywhere, so readers (and tools) find it. */
export function serviceLogBlock(service: string, lines: readonly string[]): string {
  return `--- ${service}: last ${lines.length} log lines ---\n${lines.join('\n')}`;
}

/** Reads a service's last log lines from a Compose stack; the stack module loads only when a failure asks. */
export function stackServiceLogs(target: StackTarget): ServiceLogs {
  return async (service, lines) => {
    const { composeProjectFor } = await import('./stack.ts');
    return composeProjectFor(target).logs(service, lines);
  };
}

/** The service a failure's message names, of those whose logs explain a publish failure. */
function namedService(message: string): string | undefined {
  if (/\bkafka\b/i.test(message)) return 'kafka';
  if (/elasticsearch/i.test(message)) return 'elasticsearch';
  return undefined;
}

/**
 * A BfError naming a service (kafka or elasticsearch) gets that service's last log lines, so the failure explains
 * itself; anything else, or no logs to read, passes through unchanged.
 */
export async function withServiceLogs(e: unknown, serviceLogs: ServiceLogs | undefined): Promise<unknown> {
  if (!(e instanceof BfError) || !serviceLogs) return e;
  const service = namedService(e.message);
  if (!service) return e;
  const lines = await serviceLogs(service, SERVICE_LOG_LINES).catch(() => [] as string[]);
  if (lines.length === 0) return e;
  return new BfError(`${e.message}\n${serviceLogBlock(service, lines)}`, {
    hint: e.hint,
    exitCode: e.exitCode,
    cause: e,
  });
}
