import type { ComposeProject } from '../../infra/compose.ts';
import { BfError } from '../../util/errors.ts';

/**
 * A Spark image must have Python 3: the compose healthchecks of the Spark services run it. apache/spark:4.0.1 and
 * the `-python3` tags have it, the `-scala` tags do not. Checked before `up`, so a wrong image fails in a second
 * with its name instead of as a service that never turns healthy.
 */
export async function checkSparkImagesHavePython(
  compose: ComposeProject,
  services: readonly string[],
): Promise<void> {
  if (services.length === 0) return;
  const r = await compose.exec.run('docker', compose.args('config', '--format', 'json'), {
    env: compose.env,
  });
  const config = JSON.parse(r.stdout) as { services?: Record<string, { image?: string }> };
  const images = new Map<string, string[]>();
  for (const s of services) {
    const image = config.services?.[s]?.image;
    if (image) images.set(image, [...(images.get(image) ?? []), s]);
  }
  for (const [image, users] of images) {
    const probe = await compose.exec.tryRun(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'python3',
        image,
        '-c',
        'import sys; print(sys.version_info[0])',
      ],
      { env: compose.env, timeoutMs: 5 * 60_000 },
    );
    if (probe.exitCode !== 0 || probe.stdout.trim() !== '3') {
      const why = probe.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${probe.exitCode}`;
      throw new BfError(
        `Spark image ${image} (service${users.length > 1 ? 's' : ''} ${users.join(', ')}) has no Python 3: ${why}`,
        {
          hint: 'bf needs a Spark image with Python 3 (its healthchecks run python3): use apache/spark:4.0.1 or a -python3 tag, not a -scala tag (Action input `images: spark=…`, or BF_SPARK_IMAGE)',
          exitCode: 2,
        },
      );
    }
  }
}
