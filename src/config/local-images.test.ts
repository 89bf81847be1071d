import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localImageEnv, parseEnvFile } from './local-images.ts';
import { REPO_ROOT } from './stack.ts';

describe('localImageEnv', () => {
  it('gives the tags compose.local.yml pins, as BF_*_IMAGE variables', () => {
    const env = localImageEnv();
    const local = readFileSync(`${REPO_ROOT}infra/compose.local.yml`, 'utf8');
    expect(Object.keys(env).sort()).toEqual([
      'BF_ELASTICSEARCH_IMAGE',
      'BF_KAFKA_IMAGE',
      'BF_S3_IMAGE',
      'BF_SPARK_IMAGE',
    ]);
    for (const image of Object.values(env)) expect(local).toContain(`image: ${image}`);
  });
  it('reads KEY=value lines and skips comments', () => {
    expect(parseEnvFile('# c\nA=1\n B="x y"\nlower=no\n')).toEqual({ A: '1', B: 'x y' });
  });
});
