import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BfError } from '../util/errors.ts';

/** Kibana saved objects: import of the NDJSON kept in infra/kibana/ (data views, Lens charts, the dashboard). */

export interface KibanaImportResult {
  successCount: number;
  /** `type/id` of every object Kibana reported as imported. */
  imported: string[];
}

interface ImportResponse {
  success?: boolean;
  successCount?: number;
  successResults?: { type: string; id: string }[];
  errors?: { type: string; id: string; title?: string; error?: { type?: string; message?: string } }[];
  message?: string;
}

/**
 * `POST /api/saved_objects/_import?overwrite=true` as multipart/form-data (field `file`), with the `kbn-xsrf`
 * header Kibana requires on every write. Overwrite makes a re-import idempotent. Throws a BfError naming the
 * objects Kibana refused and why.
 */
export async function importKibanaObjects(
  kibanaUrl: string,
  file: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<KibanaImportResult> {
  const text = await readFile(file, 'utf8');
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'application/ndjson' }), basename(file));
  const url = `${kibanaUrl.replace(/\/$/, '')}/api/saved_objects/_import?overwrite=true`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'kbn-xsrf': 'bf' },
      body: form,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
  } catch (e) {
    throw new BfError(
      `kibana at ${kibanaUrl} unreachable for the saved-object import: ${e instanceof Error ? e.message : String(e)}`,
      {
        hint: 'check Kibana is up: bf infra status (service kibana)',
        cause: e,
      },
    );
  }
  const raw = await res.text();
  let body: ImportResponse;
  try {
    body = JSON.parse(raw) as ImportResponse;
  } catch {
    body = { message: raw.slice(0, 500) };
  }
  if (!res.ok || body.success === false) {
    const errs = (body.errors ?? []).map(
      (e) =>
        `${e.type}/${e.id}${e.title ? ` (${e.title})` : ''}: ${e.error?.type ?? 'error'}${e.error?.message ? ` ${e.error.message}` : ''}`,
    );
    throw new BfError(
      `kibana refused the import of ${basename(file)} (HTTP ${res.status})${errs.length ? `: ${errs.join('; ')}` : body.message ? `: ${body.message}` : ''}`,
      { hint: `fix ${file} (regenerate it with: node infra/kibana/generate.ts) and import again` },
    );
  }
  return {
    successCount: body.successCount ?? 0,
    imported: (body.successResults ?? []).map((r) => `${r.type}/${r.id}`),
  };
}
