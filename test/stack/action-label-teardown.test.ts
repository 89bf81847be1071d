import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { teardownByLabel } from '../../src/action/label-teardown.ts';
import { execaExec } from '../../src/infra/exec.ts';

// Real Docker: post's fallback when the compose files are gone removes exactly the project's resources.
describe('teardownByLabel', () => {
  it("removes the project's networks and volumes and leaves another project's alone", async () => {
    const project = `bf-label-${process.pid}`;
    const other = `${project}-other`;
    const label = (p: string) => `com.docker.compose.project=${p}`;
    await execa('docker', ['network', 'create', '--label', label(project), `${project}_default`]);
    await execa('docker', ['volume', 'create', '--label', label(project), `${project}_data`]);
    await execa('docker', ['volume', 'create', '--label', label(other), `${other}_data`]);
    const left = async (p: string) =>
      (
        await Promise.all(
          [
            ['network', 'ls'],
            ['volume', 'ls'],
          ].map(async (a) => (await execa('docker', [...a, '--filter', `label=${label(p)}`, '-q'])).stdout),
        )
      )
        .join('')
        .trim();
    try {
      expect(await left(project)).not.toBe('');
      await teardownByLabel(execaExec, project, { volumes: true });
      expect(await left(project)).toBe('');
      expect(await left(other)).not.toBe('');
    } finally {
      await execa('docker', ['volume', 'rm', '-f', `${other}_data`, `${project}_data`], { reject: false });
      await execa('docker', ['network', 'rm', `${project}_default`], { reject: false });
    }
  });
});
