import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SERVICES } from './stack.ts';

/** The locally built images' tags are pinned in one file, which infra/scripts/build-images.sh sources too. */
export const VERSIONS_FILE = 'infra/images/versions.env';

/** `KEY=value` lines of a shell env file (comments and blanks skipped; values unquoted). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/**
 * The BF_*_IMAGE variables that point the default compose file at the locally built images
 * (`bf-local/<name>:<version>-<rev>`, the tags build-images.sh gives them). Kibana has no local image.
 */
export function localImageEnv(root: string = REPO_ROOT): Record<string, string> {
  const v = parseEnvFile(readFileSync(join(root, VERSIONS_FILE), 'utf8'));
  const tag = (name: string, version: string, rev: string) => {
    if (!v[version] || !v[rev]) throw new Error(`${VERSIONS_FILE} lacks ${version} or ${rev}`);
    return `bf-local/${name}:${v[version]}-${v[rev]}`;
  };
  return {
    [SERVICES.kafka.imageEnv]: tag('kafka', 'KAFKA_VERSION', 'KAFKA_REV'),
    [SERVICES.elasticsearch.imageEnv]: tag('elasticsearch', 'ES_VERSION', 'ES_REV'),
    [SERVICES['spark-master'].imageEnv]: tag('spark', 'SPARK_VERSION', 'SPARK_REV'),
    [SERVICES.s3.imageEnv]: tag('seaweedfs', 'SEAWEEDFS_VERSION', 'SEAWEEDFS_REV'),
  };
}
