import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BfError } from '../util/errors.ts';

/** Kibana saved objects: import of the NDJSON kept in infra/kibana/ (data views, Lens charts, the dashboard). */

/** One object Kibana did not import, with its reason as Kibana gave it. */
export interface KibanaImportFailure {
  type: string;
  id: string;
  title: string | undefined;
  /** Kibana's error type (`missing_references`, `conflict`, `unsupported_type`, `unknown`, …) and its details. */
  reason: string;
}

export interface KibanaImportResult {
  successCount: number;
  /** `type/id` of every object Kibana reported as imported. */
  imported: string[];
  /** Objects Kibana refused (HTTP 200, `success: false`); empty when everything was imported. */
  failures: KibanaImportFailure[];
}

/**
 * The body of `POST /api/saved_objects/_import` (Kibana's `SavedObjectsImportResponse`): per-object failures
 * come back with HTTP 200 and `success: false`; a file Kibana cannot read at all is a 4xx with `message`.
 */
interface ImportResponse {
  success?: boolean;
  successCount?: number;
  successResults?: { type: string; id: string }[];
  errors?: {
    type: string;
    id: string;
    /** Deprecated by Kibana in favour of `meta.title`, still sent. */
    title?: string;
    meta?: { title?: string };
    error?: {
      type?: string;
      message?: string;
      references?: { type: string; id: string }[];
      destinations?: { id: string }[];
    };
  }[];
  message?: string;
}

function reasonOf(e: NonNullable<ImportResponse['errors']>[number]['error']): string {
  const type = e?.type ?? 'error';
  if (e?.references?.length) return `${type} (${e.references.map((r) => `${r.type}/${r.id}`).join(', ')})`;
  if (e?.destinations?.length) return `${type} (${e.destinations.map((d) => d.id).join(', ')})`;
  return e?.message ? `${type}: ${e.message}` : type;
}

/** `lens/bf-lens-zweig ("bf — breadth ratio"): missing_references (index-pattern/bf-breadth)`. */
export function describeFailure(f: KibanaImportFailure): string {
  return `${f.type}/${f.id}${f.title ? ` ("${f.title}")` : ''}: ${f.reason}`;
}

/**
 * `POST /api/saved_objects/_import?overwrite=true` as multipart/form-data (field `file`), with the `kbn-xsrf`
 * header Kibana requires on every write. Overwrite makes a re-import idempotent. Objects Kibana refused are
 * returned in `failures` (the caller decides whether that is fatal); an unreachable Kibana or a file it
 * rejects as a whole throws a BfError with Kibana's message.
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
  if (!res.ok) {
    throw new BfError(
      `kibana refused the import of ${basename(file)} (HTTP ${res.status})${body.message ? `: ${body.message}` : ''}`,
      { hint: `fix ${file} (regenerate it with: node infra/kibana/generate.ts) and import again` },
    );
  }
  return {
    successCount: body.successCount ?? 0,
    imported: (body.successResults ?? []).map((r) => `${r.type}/${r.id}`),
    failures: (body.errors ?? []).map((e) => ({
      type: e.type,
      id: e.id,
      title: e.meta?.title ?? e.title,
      reason: reasonOf(e.error),
    })),
  };
}
