import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// Kibana cannot run here: this HTTP peer stands in for its saved-object import endpoint. It parses the
// multipart body the way Kibana's route does (one `file` part) and answers with what a test scripts, in the
// shapes of Kibana's own types (SavedObjectsImportResponse / SavedObjectsImportFailure, Boom errors).

export interface ReceivedImport {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  parts: { name: string; filename?: string; contentType?: string; body: string }[];
}

/** Minimal multipart/form-data parser: enough to check what Kibana's import endpoint would receive. */
export function parseMultipart(contentType: string, body: Buffer): ReceivedImport['parts'] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const boundary = `--${m[1] ?? m[2]}`;
  const text = body.toString('utf8');
  if (!text.trimEnd().endsWith(`${boundary}--`)) throw new Error('multipart body not terminated');
  return text
    .split(boundary)
    .slice(1, -1)
    .map((chunk) => {
      const raw = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const sep = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, sep);
      const disp = /content-disposition: form-data; name="([^"]+)"(?:; filename="([^"]+)")?/i.exec(head);
      return {
        name: disp?.[1] ?? '',
        filename: disp?.[2],
        contentType: /content-type: (.+)/i.exec(head)?.[1]?.trim(),
        body: raw.slice(sep + 4),
      };
    });
}

export interface KibanaPeer {
  url: string;
  got: ReceivedImport[];
  close(): Promise<void>;
}

export async function kibanaImportPeer(
  reply: (r: ReceivedImport) => { status: number; body: unknown },
): Promise<KibanaPeer> {
  const got: ReceivedImport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedImport = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        parts: parseMultipart(req.headers['content-type'] ?? '', Buffer.concat(chunks)),
      };
      got.push(r);
      const out = reply(r);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    got,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/**
 * Kibana's answer when some objects failed: HTTP 200, `success: false`, one SavedObjectsImportFailure per
 * object (`meta.title`, the deprecated top-level `title`, `error.type` and its details).
 */
export const PARTIAL_FAILURE = {
  successCount: 5,
  success: false,
  warnings: [],
  successResults: [
    { type: 'index-pattern', id: 'bf-breadth', meta: { title: 'bf-breadth', icon: 'indexPatternApp' } },
  ],
  errors: [
    {
      id: 'bf-lens-zweig',
      type: 'lens',
      title: 'bf — breadth ratio and Zweig EMA10',
      meta: { title: 'bf — breadth ratio and Zweig EMA10', icon: 'lensApp' },
      error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'bf-signals' }] },
    },
    {
      id: 'bf-dashboard',
      type: 'dashboard',
      meta: { title: 'bf — market breadth thrusts', icon: 'dashboardApp' },
      error: {
        type: 'unknown',
        message:
          'Document "bf-dashboard" of type \'dashboard\' belongs to a more recent version of Kibana [10.4.0] when the last known version is [10.3.0].',
        statusCode: 422,
        status_code: 422,
        error: 'Unprocessable Entity',
      },
    },
  ],
};
