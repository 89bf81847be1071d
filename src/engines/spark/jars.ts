import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/stack.ts';
import type { Exec } from '../../infra/exec.ts';
import { BfError } from '../../util/errors.ts';
import { type Logger, silentLogger } from '../../util/log.ts';

/**
 * The Delta + S3A jars of every Spark container: listed (with SHA-1s) in infra/spark/jars.txt, fetched ONCE from
 * Maven Central by infra/spark/fetch-jars.sh into a host cache dir keyed by that list, and mounted read-only at
 * /opt/bf/jars (infra/docker-compose.yml reads the dir from BF_SPARK_JARS_DIR). Same path for every image.
 */
export const SPARK_JARS_ENV = 'BF_SPARK_JARS_DIR';
export const JARS_LIST = 'infra/spark/jars.txt';
export const FETCH_JARS_SCRIPT = 'infra/spark/fetch-jars.sh';
/** Services that mount the jars. */
export const SPARK_SERVICES = ['spark-master', 'spark-worker', 'spark-sql'] as const;

/** The cache key: the first 16 hex digits of the SHA-256 of the list without its comment lines (as the script). */
export function jarsKey(listText: string): string {
  const lines = listText.split('\n');
  if (listText.endsWith('\n')) lines.pop();
  const body = lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => `${l}\n`)
    .join('');
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** BF_SPARK_JARS_DIR, else `<BF_CACHE or ~/.cache/bf>/spark-jars/<key>`. */
export function sparkJarsDir(env: NodeJS.ProcessEnv = process.env, root: string = REPO_ROOT): string {
  const explicit = env[SPARK_JARS_ENV];
  if (explicit) return explicit;
  const cache = env.BF_CACHE || join(env.HOME || homedir(), '.cache', 'bf');
  return join(cache, 'spark-jars', jarsKey(readFileSync(join(root, JARS_LIST), 'utf8')));
}

/** The compose env with BF_SPARK_JARS_DIR set (to the cache dir unless given). */
export function withSparkJarsDir(env: NodeJS.ProcessEnv, root: string = REPO_ROOT): NodeJS.ProcessEnv {
  return env[SPARK_JARS_ENV] ? env : { ...env, [SPARK_JARS_ENV]: sparkJarsDir(env, root) };
}

/**
 * Makes sure the jars are in `dir` (fetch-jars.sh: a no-op when the dir is complete, else a download from Maven
 * Central with SHA-1 checks). Fails naming the script and its last output lines.
 */
export async function ensureSparkJars(
  dir: string,
  opts: { exec: Exec; env?: NodeJS.ProcessEnv; logger?: Logger; root?: string },
): Promise<void> {
  const logger = opts.logger ?? silentLogger;
  const script = join(opts.root ?? REPO_ROOT, FETCH_JARS_SCRIPT);
  const started = performance.now();
  const r = await opts.exec.tryRun('bash', [script, dir], { env: opts.env, timeoutMs: 30 * 60_000 });
  if (r.exitCode !== 0) {
    throw new BfError(
      `cannot provide the Spark jars (Delta, S3A) in ${dir}: ${FETCH_JARS_SCRIPT} exited with ${r.exitCode}\n${r.stderr.trim().split('\n').slice(-8).join('\n')}`,
      {
        hint: 'check access to Maven Central (or set BF_MAVEN_REPO to a mirror), or fill the dir yourself and set BF_SPARK_JARS_DIR',
      },
    );
  }
  const ms = performance.now() - started;
  if (ms > 1000) logger.info(`spark jars fetched into ${dir} in ${(ms / 1000).toFixed(1)} s`);
}
