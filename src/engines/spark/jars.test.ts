import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/stack.ts';
import { FETCH_JARS_SCRIPT, JARS_LIST, jarsKey, sparkJarsDir, withSparkJarsDir } from './jars.ts';

const run = promisify(execFile);

describe('Spark jars cache dir', () => {
  it('is keyed by the jar list without its comments', () => {
    const a = jarsKey('# comment\nio.delta:delta-spark_2.13:4.0.1 abc\n');
    expect(a).toBe(jarsKey('# another comment\nio.delta:delta-spark_2.13:4.0.1 abc\n'));
    expect(a).not.toBe(jarsKey('io.delta:delta-spark_2.13:4.0.2 abc\n'));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
  it('lives under BF_CACHE unless BF_SPARK_JARS_DIR names it', () => {
    const dir = sparkJarsDir({ BF_CACHE: '/c' });
    expect(dir).toMatch(/^\/c\/spark-jars\/[0-9a-f]{16}$/);
    expect(sparkJarsDir({ BF_CACHE: '/c', BF_SPARK_JARS_DIR: '/mine' })).toBe('/mine');
    expect(withSparkJarsDir({ BF_CACHE: '/c' }).BF_SPARK_JARS_DIR).toBe(dir);
  });
  it('fetch-jars.sh computes the same key: a dir marked complete with it is accepted without a download', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bf-jars-'));
    try {
      const key = jarsKey(await readFile(join(REPO_ROOT, JARS_LIST), 'utf8'));
      await writeFile(join(dir, '.complete'), `${key}\n`);
      // An unusable mirror: any download attempt would fail the script.
      const env = { ...process.env, BF_MAVEN_REPO: 'http://127.0.0.1:9/none' };
      const { stdout } = await run('bash', [join(REPO_ROOT, FETCH_JARS_SCRIPT), dir], { env });
      expect(stdout.trim()).toBe(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('fetch-jars.sh refuses a jar whose SHA-1 differs from the pinned one and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bf-jars-'));
    const repo = await mkdtemp(join(tmpdir(), 'bf-repo-'));
    try {
      // A local "Maven repository" serving a wrong delta-spark jar.
      const jar = join(repo, 'io/delta/delta-spark_2.13/4.0.1/delta-spark_2.13-4.0.1.jar');
      await run('mkdir', ['-p', join(jar, '..')]);
      await writeFile(jar, 'not the real jar');
      const env = { ...process.env, BF_MAVEN_REPO: `file://${repo}` };
      const err = await run('bash', [join(REPO_ROOT, FETCH_JARS_SCRIPT), dir], { env }).catch(
        (e: unknown) => e,
      );
      expect((err as { stderr: string }).stderr).toMatch(
        /delta-spark_2\.13-4\.0\.1\.jar: SHA-1 [0-9a-f]{40}, expected 3e4698/,
      );
      const { stdout } = await run('find', [dir, '-mindepth', '1']);
      expect(stdout.trim()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(repo, { recursive: true, force: true });
    }
  });
});
