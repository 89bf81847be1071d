/**
 * Start-up faults as compose overrides and a held host port: one definition shared by the stack test that asserts
 * bf's behaviour (test/stack/infra.test.ts) and the bench that times it against compose (bench/faults/infra-cases.ts).
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Compose override lines (YAML) that inject one fault into `service`. */
export const faultOverride = {
  /** The service prints `steps` start lines, exits 3 after 3 s (saying `bf-fault: <service> gives up` on stderr). */
  exitsAfter3s: (service: string, steps = 1): string[] => [
    'services:',
    `  ${service}:`,
    `    entrypoint: ["sh", "-c", "for i in ${Array.from({ length: steps }, (_, i) => i + 1).join(' ')}; do echo bf-fault: ${service} start step $$i; done; sleep 3; echo bf-fault: ${service} gives up >&2; exit 3"]`,
  ],
  /** The health check always fails, printing `message`. */
  neverHealthy: (service: string, message: string): string[] => [
    'services:',
    `  ${service}:`,
    '    healthcheck:',
    `      test: ["CMD-SHELL", "echo ${message}; exit 1"]`,
    '      interval: 1s',
    '      retries: 1000',
  ],
  /** The service allocates memory without end under a 64 MiB limit: the kernel's OOM killer ends it (exit 137). */
  oomKilled: (service: string): string[] => [
    'services:',
    `  ${service}:`,
    `    entrypoint: ["sh", "-c", "echo bf-fault: ${service} allocating; sleep 2; exec tail /dev/zero"]`,
    '    deploy:',
    '      resources:',
    '        limits:',
    '          memory: 64m',
  ],
};

/** Writes override lines to a file of their own under the temp dir; returns its path. */
export async function writeOverride(name: string, lines: readonly string[]): Promise<string> {
  const file = join(tmpdir(), `bf-${name}-${process.pid}.yml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** A host port held by this process (0: any free one) until `release()`. */
export async function holdPort(port = 0): Promise<{ port: number; release: () => Promise<void> }> {
  const server: Server = createServer();
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return { port: bound, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
