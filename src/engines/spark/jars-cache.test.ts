import { describe, expect, it } from 'vitest';
import type { Logger } from '../../util/log.ts';
import { type CacheApi, sparkJarsCacheKey, withCachedSparkJars } from './jars-cache.ts';

function fakeCache(over: Partial<CacheApi> = {}) {
  const calls: string[] = [];
  const cache: CacheApi = {
    isFeatureAvailable: () => true,
    restoreCache: async (paths, key) => {
      calls.push(`restore ${paths.join(',')} ${key}`);
      return undefined;
    },
    saveCache: async (paths, key) => {
      calls.push(`save ${paths.join(',')} ${key}`);
      return 1;
    },
    ...over,
  };
  return { cache, calls };
}

function run(cache: CacheApi, calls: string[]) {
  const lines: string[] = [];
  const logger: Logger = {
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    progress: () => {},
  };
  const key = sparkJarsCacheKey('0123456789abcdef');
  const out = withCachedSparkJars({
    cache,
    dir: '/c/spark-jars/0123456789abcdef',
    key,
    fill: async () => {
      calls.push('fill');
    },
    logger,
  });
  return { out, lines, key };
}

describe('withCachedSparkJars', () => {
  it('on a miss fills the dir from Maven and saves it under the key', async () => {
    const { cache, calls } = fakeCache();
    const { out, key } = run(cache, calls);
    expect(await out).toBe('saved');
    expect(calls).toEqual([
      `restore /c/spark-jars/0123456789abcdef ${key}`,
      'fill',
      `save /c/spark-jars/0123456789abcdef ${key}`,
    ]);
    expect(key).toBe('bf-spark-jars-0123456789abcdef');
  });
  it('on a hit checks the restored dir (fill) and saves nothing', async () => {
    const { cache, calls } = fakeCache({ restoreCache: async (_p, key) => key });
    expect(await run(cache, calls).out).toBe('hit');
    expect(calls).toEqual(['fill']);
  });
  it('a failing cache service is a warning: the jars still come from Maven', async () => {
    const { cache, calls } = fakeCache({
      restoreCache: async () => {
        throw new Error('cache service 503');
      },
      saveCache: async () => {
        throw new Error('another job is saving this key');
      },
    });
    const { out, lines } = run(cache, calls);
    expect(await out).toBe('uncached');
    expect(calls).toEqual(['fill']);
    expect(lines).toEqual([
      'warning: spark jars: cache restore failed (cache service 503); fetching from Maven Central',
      'warning: spark jars: cache save failed (another job is saving this key)',
    ]);
  });
  it('without a cache service (outside GitHub) only fills', async () => {
    const { cache, calls } = fakeCache({ isFeatureAvailable: () => false });
    expect(await run(cache, calls).out).toBe('uncached');
    expect(calls).toEqual(['fill']);
  });
});
