import { describe, expect, it } from 'vitest';
import { killedBy } from './exit-reason.ts';

describe('killedBy', () => {
  it('names the OOM killer and the limit when Docker flags OOMKilled', () => {
    expect(killedBy({ oomKilled: true, exitCode: 137, memoryLimit: 64 * 1024 * 1024 })).toBe(
      "out of memory: killed by the kernel's OOM killer (exit 137) after using all of its 64 MiB limit; raise deploy.resources.limits.memory in the compose file or give Docker more memory",
    );
    expect(killedBy({ oomKilled: true, exitCode: 137, memoryLimit: 0 })).toContain(
      'after using all the memory it could get',
    );
  });
  it('tells a SIGKILL from outside apart from an OOM kill', () => {
    expect(killedBy({ oomKilled: false, exitCode: 137, memoryLimit: 0 })).toMatch(
      /^killed by SIGKILL .*not out of memory/,
    );
  });
  it('says nothing for an ordinary exit or a running container', () => {
    expect(killedBy({ oomKilled: false, exitCode: 3, memoryLimit: 0 })).toBeUndefined();
    expect(killedBy({ oomKilled: false, exitCode: undefined, memoryLimit: 0 })).toBeUndefined();
  });
});
