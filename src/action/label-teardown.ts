import type { Exec } from '../infra/exec.ts';

/**
 * Removes a compose project's containers, networks and volumes by the labels compose puts on them. Post uses it
 * when the compose files are gone (a later step deleted them, or main failed before they existed): `compose
 * down` needs the files, the labels don't.
 */
export async function teardownByLabel(
  exec: Exec,
  project: string,
  opts: { volumes: boolean },
): Promise<void> {
  const filter = ['--filter', `label=com.docker.compose.project=${project}`];
  const ids = async (args: string[]) =>
    (await exec.run('docker', [...args, ...filter, '-q'])).stdout.split('\n').filter((l) => l.trim() !== '');
  const containers = await ids(['ps', '-a']);
  if (containers.length > 0) await exec.run('docker', ['rm', '--force', '--volumes', ...containers]);
  const networks = await ids(['network', 'ls']);
  if (networks.length > 0) await exec.run('docker', ['network', 'rm', ...networks]);
  if (opts.volumes) {
    const volumes = await ids(['volume', 'ls']);
    if (volumes.length > 0) await exec.run('docker', ['volume', 'rm', '--force', ...volumes]);
  }
}
