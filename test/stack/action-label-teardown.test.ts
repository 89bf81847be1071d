import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { teardownByLabel } from '../../src/action/label-teardown.ts';
import { execaExec } from '../../src/infra/exec.ts';

// The local base image every bf-local image is built on (infra/images/versions.env BASE_IMAGE): always present here.
const IMAGE = process.env.BF_TEST_IMAGE ?? 'bf-local/debian:bookworm';

// Real Docker: post's fallback when the compose files are gone removes exactly the project's resources.
describe('teardownByLabel', () => {
  it("removes the project's running containers, networks and volumes and leaves another project's alone", async () => {
    const project = `bf-label-${process.pid}`;
    const other = `${project}-other`;
    const label = (p: string) => `com.docker.compose.project=${p}`;
    await execa('docker', ['network', 'create', '--label', label(project), `${project}_default`]);
    await execa('docker', ['volume', 'create', '--label', label(project), `${project}_data`]);
    await execa('docker', ['volume', 'create', '--label', label(other), `${other}_data`]);
    // Running containers on the project's network with its volume mounted, as compose leaves them.
    for (const [p, name, net] of [
      [project, `${project}-app-1`, `${project}_default`],
      [other, `${other}-app-1`, 'bridge'],
    ] as const) {
      await execa('docker', [
        'run',
        '-d',
        '--name',
        name,
        '--label',
        label(p),
        '--network',
        net,
        '-v',
        `${p}_data:/data`,
        IMAGE,
        'sleep',
        '600',
      ]);
    }
    const left = async (p: string) =>
      (
        await Promise.all(
          [
            ['ps', '-a'],
            ['network', 'ls'],
            ['volume', 'ls'],
          ].map(async (a) => (await execa('docker', [...a, '--filter', `label=${label(p)}`, '-q'])).stdout),
        )
      ).map((s) => s.trim());
    try {
      expect((await left(project)).every((ids) => ids !== '')).toBe(true);
      await teardownByLabel(execaExec, project, { volumes: true });
      expect(await left(project)).toEqual(['', '', '']);
      const [otherContainers, , otherVolumes] = await left(other);
      expect(otherContainers).not.toBe('');
      expect(otherVolumes).not.toBe('');
    } finally {
      await execa('docker', ['rm', '-f', `${project}-app-1`, `${other}-app-1`], { reject: false });
      await execa('docker', ['volume', 'rm', '-f', `${other}_data`, `${project}_data`], { reject: false });
      await execa('docker', ['network', 'rm', `${project}_default`], { reject: false });
    }
  });
});
