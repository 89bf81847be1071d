import type { Logger } from '../../util/log.ts';

/** The part of @actions/cache bf uses (injected: tests pass their own). */
export interface CacheApi {
  isFeatureAvailable(): boolean;
  restoreCache(paths: string[], primaryKey: string): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

/** The Actions cache key of the Spark jars dir: its name already is the hash of infra/spark/jars.txt. */
export function sparkJarsCacheKey(jarsKey: string): string {
  return `bf-spark-jars-${jarsKey}`;
}

/**
 * On a runner: restore the Spark jars dir from the Actions cache, fill what is missing (`fill`, i.e. fetch-jars.sh
 * from Maven Central), and save it when the cache had no entry, so the next run downloads nothing. A cache service
 * that is unavailable or fails is a warning: the jars still come from `fill`.
 */
export async function withCachedSparkJars(opts: {
  cache: CacheApi;
  dir: string;
  key: string;
  fill: () => Promise<void>;
  logger: Logger;
}): Promise<'hit' | 'saved' | 'uncached'> {
  const { cache, dir, key, logger } = opts;
  if (!cache.isFeatureAvailable()) {
    await opts.fill();
    return 'uncached';
  }
  const hit = await cache.restoreCache([dir], key).catch((e: unknown) => {
    logger.warn(`spark jars: cache restore failed (${errorText(e)}); fetching from Maven Central`);
    return undefined;
  });
  await opts.fill();
  if (hit === key) {
    logger.info(`spark jars: restored from the Actions cache (${key})`);
    return 'hit';
  }
  try {
    await cache.saveCache([dir], key);
    logger.info(`spark jars: saved to the Actions cache (${key})`);
    return 'saved';
  } catch (e) {
    // Another job saving the same key at the same time is the common case; the next run restores it.
    logger.warn(`spark jars: cache save failed (${errorText(e)})`);
    return 'uncached';
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
