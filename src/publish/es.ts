import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { PublishConfig } from '../config/publish.ts';
import { BfError } from '../util/errors.ts';

/** Elasticsearch adapter of the publish stage: client, index templates, errors that name ES. */

export function esClient(cfg: Pick<PublishConfig, 'esUrl'>): Client {
  return new Client({ node: cfg.esUrl, requestTimeout: 60_000, maxRetries: 3 });
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function esError(cfg: Pick<PublishConfig, 'esUrl'>, what: string, e: unknown): BfError {
  if (e instanceof BfError) return e;
  return new BfError(`publish: elasticsearch at ${cfg.esUrl} failed to ${what}: ${errText(e)}`, {
    hint: 'check the cluster: bf infra status (service elasticsearch), and its log: bf infra logs elasticsearch',
    cause: e,
  });
}

export interface IndexTemplateFile {
  name: string;
  body: Record<string, unknown>;
}

/** A template file is `{ "name": …, "body": <PUT _index_template body> }`; the name is checked, not guessed. */
export async function readTemplateFile(file: string): Promise<IndexTemplateFile> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<IndexTemplateFile>;
  if (typeof parsed.name !== 'string' || !parsed.body || typeof parsed.body !== 'object') {
    throw new BfError(`index template ${basename(file)} must be {"name": string, "body": object}`, {
      hint: `fix ${file}`,
    });
  }
  return parsed as IndexTemplateFile;
}

/** PUT _index_template/<name> for every template file (idempotent; before the first write into the indices). */
export async function applyIndexTemplates(client: Client, cfg: PublishConfig): Promise<string[]> {
  const names: string[] = [];
  for (const file of cfg.templateFiles) {
    const t = await readTemplateFile(file);
    try {
      await client.indices.putIndexTemplate({ name: t.name, ...t.body });
    } catch (e) {
      throw esError(cfg, `apply index template ${t.name} (${basename(file)})`, e);
    }
    names.push(t.name);
  }
  return names;
}
