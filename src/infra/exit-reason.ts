import type { ContainerDetail } from './compose.ts';

const MIB = 1024 * 1024;

/**
 * Why a container that exited was killed, when the kernel or a signal did it: the OOM killer (exit 137 with
 * Docker's OOMKilled flag), or a SIGKILL from outside (137 without it). Undefined for an ordinary exit.
 */
export function killedBy(
  d: Pick<ContainerDetail, 'oomKilled' | 'exitCode' | 'memoryLimit'>,
): string | undefined {
  if (d.oomKilled) {
    const limit = d.memoryLimit > 0 ? ` of its ${Math.round(d.memoryLimit / MIB)} MiB limit` : '';
    return `out of memory: killed by the kernel's OOM killer (exit 137) after using all${limit || ' the memory it could get'}; raise deploy.resources.limits.memory in the compose file or give Docker more memory`;
  }
  if (d.exitCode === 137)
    return 'killed by SIGKILL (exit 137, not out of memory): something outside stopped it';
  return undefined;
}
