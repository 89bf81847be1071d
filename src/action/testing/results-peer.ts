/**
 * A local stand-in for GitHub's Actions Results service, written from the protocol the
 * `@actions/artifact` client speaks (actions/toolkit packages/artifact): Twirp JSON RPCs
 * `CreateArtifact` / `FinalizeArtifact` under `/twirp/github.actions.results.api.v1.ArtifactService/`,
 * authenticated by the `ACTIONS_RUNTIME_TOKEN` JWT whose `scp` claim carries
 * `Actions.Results:<runBackendId>:<jobBackendId>`, and an Azure-Blob-style signed upload URL
 * (Put Block `?comp=block&blockid=…` then Put Block List `?comp=blocklist`, or a single Put Blob).
 * It is not GitHub's service: it checks what a correct client must send and keeps the bytes so tests
 * can compare them with the source files.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const SERVICE_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface ReceivedArtifact {
  id: number;
  name: string;
  runBackendId: string;
  jobBackendId: string;
  mimeType: string | undefined;
  version: number | undefined;
  expiresAt: string | undefined;
  /** The committed blob (the zip the client streamed). */
  bytes: Buffer;
  finalized: boolean;
  /** As the client reported them in FinalizeArtifact. */
  reportedSize: number | undefined;
  reportedHash: string | undefined;
  /** Every HTTP call the client made for this artifact, in order (`CreateArtifact`, `PutBlock`, …). */
  calls: string[];
}

export interface ResultsPeer {
  /** Value for `ACTIONS_RESULTS_URL`. */
  url: string;
  /** Value for `ACTIONS_RUNTIME_TOKEN`. */
  token: string;
  runBackendId: string;
  jobBackendId: string;
  artifacts: Map<string, ReceivedArtifact>;
  /** Protocol violations seen (a correct client produces none). */
  errors: string[];
  close(): Promise<void>;
}

interface PendingBlob {
  artifact: ReceivedArtifact;
  sig: string;
  blocks: Map<string, Buffer>;
  committed: Buffer | undefined;
}

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsigned JWT shaped like the runner's token: only the claims the client decodes matter. */
export function makeRuntimeToken(runBackendId: string, jobBackendId: string): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
      exp: Math.floor(Date.now() / 1000) + 3600,
    }),
  );
  return `${header}.${payload}.${base64url('peer')}`;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function twirpError(res: http.ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
}

function json(res: http.ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Protobuf JSON of a `google.protobuf.StringValue` is the bare string; accept the object form too. */
function stringValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string') {
    return (v as { value: string }).value;
  }
  return undefined;
}

export async function startResultsPeer(): Promise<ResultsPeer> {
  const runBackendId = randomUUID();
  const jobBackendId = randomUUID();
  const token = makeRuntimeToken(runBackendId, jobBackendId);
  const artifacts = new Map<string, ReceivedArtifact>();
  const blobs = new Map<string, PendingBlob>();
  const errors: string[] = [];
  let nextId = 1000;
  let origin = '';

  const fail = (res: http.ServerResponse, status: number, code: string, msg: string) => {
    errors.push(msg);
    twirpError(res, status, code, msg);
  };

  const handleTwirp = async (method: string, req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'POST') return fail(res, 405, 'bad_route', `Twirp ${method}: method ${req.method}`);
    if (req.headers.authorization !== `Bearer ${token}`) {
      return fail(res, 401, 'unauthenticated', `Twirp ${method}: missing or wrong bearer token`);
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      return fail(res, 415, 'malformed', `Twirp ${method}: content-type ${req.headers['content-type']}`);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail(res, 400, 'malformed', `Twirp ${method}: body is not JSON`);
    }
    if (body.workflow_run_backend_id !== runBackendId || body.workflow_job_run_backend_id !== jobBackendId) {
      return fail(res, 400, 'invalid_argument', `Twirp ${method}: backend ids do not match the token`);
    }
    const name = body.name;
    if (typeof name !== 'string' || name === '') {
      return fail(res, 400, 'invalid_argument', `Twirp ${method}: name missing`);
    }

    if (method === 'CreateArtifact') {
      if (artifacts.get(name)?.finalized) {
        return fail(res, 409, 'already_exists', `CreateArtifact: artifact '${name}' already finalized`);
      }
      const artifact: ReceivedArtifact = {
        id: nextId++,
        name,
        runBackendId,
        jobBackendId,
        mimeType: stringValue(body.mime_type),
        version: typeof body.version === 'number' ? body.version : undefined,
        expiresAt: typeof body.expires_at === 'string' ? body.expires_at : undefined,
        bytes: Buffer.alloc(0),
        finalized: false,
        reportedSize: undefined,
        reportedHash: undefined,
        calls: ['CreateArtifact'],
      };
      artifacts.set(name, artifact);
      const sig = randomBytes(16).toString('hex');
      const blobPath = `/blob/${runBackendId}/${artifact.id}/${encodeURIComponent(name)}.zip`;
      blobs.set(blobPath, { artifact, sig, blocks: new Map(), committed: undefined });
      return json(res, {
        ok: true,
        signed_upload_url: `${origin}${blobPath}?sig=${sig}&sp=cw&sv=2024-08-04`,
      });
    }

    if (method === 'FinalizeArtifact') {
      const artifact = artifacts.get(name);
      const blob = [...blobs.values()].find((b) => b.artifact === artifact);
      if (!artifact || !blob) return fail(res, 404, 'not_found', `FinalizeArtifact: no artifact '${name}'`);
      artifact.calls.push('FinalizeArtifact');
      if (!blob.committed)
        return fail(res, 400, 'failed_precondition', `FinalizeArtifact: '${name}' has no blob`);
      // int64 travels as a decimal string in protobuf JSON.
      const size = typeof body.size === 'string' || typeof body.size === 'number' ? Number(body.size) : NaN;
      const hash = stringValue(body.hash);
      artifact.reportedSize = size;
      artifact.reportedHash = hash;
      if (size !== blob.committed.length) {
        return fail(
          res,
          400,
          'invalid_argument',
          `FinalizeArtifact: size ${body.size} ≠ ${blob.committed.length}`,
        );
      }
      const digest = `sha256:${createHash('sha256').update(blob.committed).digest('hex')}`;
      if (hash !== undefined && hash !== digest) {
        return fail(res, 400, 'invalid_argument', `FinalizeArtifact: hash ${hash} ≠ ${digest}`);
      }
      artifact.bytes = blob.committed;
      artifact.finalized = true;
      return json(res, { ok: true, artifact_id: String(artifact.id) });
    }
    return fail(res, 404, 'bad_route', `Twirp method ${method} is not served by this peer`);
  };

  const handleBlob = async (url: URL, req: http.IncomingMessage, res: http.ServerResponse) => {
    const blob = blobs.get(url.pathname);
    const blobError = (status: number, code: string, msg: string) => {
      errors.push(msg);
      res.writeHead(status, { 'x-ms-error-code': code, 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`,
      );
    };
    if (!blob) return blobError(404, 'BlobNotFound', `blob ${url.pathname} was never handed out`);
    if (url.searchParams.get('sig') !== blob.sig)
      return blobError(403, 'AuthenticationFailed', 'bad signature');
    if (req.method !== 'PUT') return blobError(405, 'UnsupportedHttpVerb', `blob ${req.method}`);
    const body = await readBody(req);
    const comp = url.searchParams.get('comp');
    const ok = (extra: Record<string, string> = {}) => {
      res.writeHead(201, {
        etag: `"0x${randomBytes(8).toString('hex')}"`,
        'last-modified': new Date().toUTCString(),
        'x-ms-request-id': randomUUID(),
        'x-ms-version': String(req.headers['x-ms-version'] ?? '2024-08-04'),
        'x-ms-request-server-encrypted': 'true',
        ...extra,
      });
      res.end();
    };
    if (comp === 'block') {
      const id = url.searchParams.get('blockid');
      if (!id) return blobError(400, 'InvalidQueryParameterValue', 'Put Block without blockid');
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared !== body.length) {
        return blobError(400, 'InvalidHeaderValue', `Put Block: content-length ${declared} ≠ ${body.length}`);
      }
      blob.blocks.set(id, body);
      blob.artifact.calls.push('PutBlock');
      return ok();
    }
    if (comp === 'blocklist') {
      const xml = body.toString('utf8');
      const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
      const parts: Buffer[] = [];
      for (const id of ids) {
        const part = blob.blocks.get(id);
        if (!part) return blobError(400, 'InvalidBlockList', `Put Block List names unknown block ${id}`);
        parts.push(part);
      }
      blob.committed = Buffer.concat(parts);
      blob.artifact.calls.push('PutBlockList');
      return ok();
    }
    if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      blob.committed = body;
      blob.artifact.calls.push('PutBlob');
      return ok();
    }
    return blobError(400, 'InvalidQueryParameterValue', `blob PUT with comp=${comp}`);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const work = url.pathname.startsWith(SERVICE_PREFIX)
      ? handleTwirp(url.pathname.slice(SERVICE_PREFIX.length), req, res)
      : url.pathname.startsWith('/blob/')
        ? handleBlob(url, req, res)
        : Promise.resolve(fail(res, 404, 'bad_route', `no route ${req.method} ${url.pathname}`));
    work.catch((e: unknown) => {
      errors.push(String(e));
      if (!res.headersSent) twirpError(res, 500, 'internal', String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/`,
    token,
    runBackendId,
    jobBackendId,
    artifacts,
    errors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
