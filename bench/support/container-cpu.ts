/**
 * CPU a container has burnt so far, from its cgroup on the local engine's host (cgroup v1 `cpuacct.usage`, or v2
 * `cpu.stat` usage_usec, for the cgroupfs and systemd drivers). Far steadier than wall seconds on a shared machine:
 * it counts the container's processes and the health probes Docker runs inside it, not the time they waited for a core.
 * `undefined` where the cgroup is not readable (a remote engine, Docker Desktop's VM).
 */
import { readFile } from 'node:fs/promises';
import type { ComposeProject } from '../../src/infra/compose.ts';

const root = '/sys/fs/cgroup';

export async function containerCpuMs(id: string): Promise<number | undefined> {
  const v1 = [`${root}/cpuacct/docker/${id}/cpuacct.usage`, `${root}/cpu,cpuacct/docker/${id}/cpuacct.usage`];
  for (const file of v1) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return Number(text.trim()) / 1e6;
  }
  for (const dir of [`${root}/system.slice/docker-${id}.scope`, `${root}/docker/${id}`]) {
    const text = await readFile(`${dir}/cpu.stat`, 'utf8').catch(() => undefined);
    const usec = text?.match(/^usage_usec (\d+)$/m)?.[1];
    if (usec !== undefined) return Number(usec) / 1e3;
  }
  return undefined;
}

/** CPU ms so far of each service's container in a compose project (NaN where none runs or its cgroup is unreadable). */
export async function servicesCpuMs(
  compose: ComposeProject,
  services: readonly string[],
): Promise<Record<string, number>> {
  // `docker ps --no-trunc`: the full ids the cgroups are named by.
  const ids = new Map((await compose.containers()).map((c) => [c.service, c.id]));
  const cpu: Record<string, number> = {};
  for (const service of services) {
    const id = ids.get(service);
    cpu[service] = (id === undefined ? undefined : await containerCpuMs(id)) ?? Number.NaN;
  }
  return cpu;
}
