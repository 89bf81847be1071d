import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  hostPort,
  PROBE_PREFIX,
  S3_REGION,
  type S3Settings,
  STACK_HOST,
  s3Settings,
} from '../config/stack.ts';
import { BfError } from '../util/errors.ts';

/** Where the lake lives in the S3 store: endpoints as seen from the host and from inside the stack's network. */
export interface S3LakeConfig extends S3Settings {
  /** Endpoint bf (on the host) uses, e.g. http://127.0.0.1:9000. */
  endpoint: string;
  /** Endpoint Spark (inside the compose network) uses, e.g. http://s3:9000. */
  internalEndpoint: string;
  /** Key prefix of the Delta tables (`<prefix>/<table>`). Default `lake`. */
  prefix: string;
}

/** The S3 service name and port inside the compose network (src/config/stack.ts). */
const S3_SERVICE = 's3';
const S3_CONTAINER_PORT = 9000;

/** The lake's S3 config from the stack facts and env (BF_S3_PORT, BF_S3_BUCKET, MINIO_ROOT_USER/PASSWORD). */
export function s3LakeConfig(env: NodeJS.ProcessEnv = process.env, prefix = 'lake'): S3LakeConfig {
  return {
    ...s3Settings(env),
    endpoint: `http://${STACK_HOST}:${hostPort('s3', 'api', env)}`,
    internalEndpoint: `http://${S3_SERVICE}:${S3_CONTAINER_PORT}`,
    prefix,
  };
}

/** A failure talking to the S3 store, naming the operation, the endpoint and the bucket. */
export class S3StoreError extends BfError {
  readonly operation: string;
  /** The bucket does not exist (waiting cannot help; `bf infra start` creates it). */
  readonly missingBucket: boolean;
  constructor(operation: string, config: S3LakeConfig, cause: unknown) {
    const why = describeS3Error(cause);
    const status = (cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
      ?.httpStatusCode;
    const missingBucket = why.includes('NoSuchBucket') || (operation === 'check bucket' && status === 404);
    const what = missingBucket ? `bucket ${config.bucket} does not exist (${why})` : why;
    super(`S3 store (service s3 at ${config.endpoint}): ${operation} failed: ${what}`, {
      cause,
      hint: missingBucket
        ? `bucket ${config.bucket} does not exist: \`bf infra start\` creates it (or set BF_S3_BUCKET)`
        : 'check that the stack is up (`bf infra status`) and that BF_S3_PORT / MINIO_ROOT_USER / MINIO_ROOT_PASSWORD match it',
    });
    this.name = 'S3StoreError';
    this.operation = operation;
    this.missingBucket = missingBucket;
  }
}

function describeS3Error(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { Code?: string; code?: string }).Code ?? (e as { code?: string }).code;
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const parts = [e.name !== 'Error' ? e.name : '', code && code !== e.name ? code : '', e.message];
  if (status) parts.push(`(HTTP ${status})`);
  return parts.filter(Boolean).join(': ');
}

/**
 * Proves the store serves objects, not only bucket requests: writes a small object under PROBE_PREFIX (a key of its
 * own), reads it back, compares, and deletes it. Why: after a restart SeaweedFS answers HEAD bucket (and its
 * /healthz) from the filer's metadata while its master has no leader and no volume server registered yet; for that
 * while (30-40 s measured here) every object read fails or hangs. Each request is cut off after `timeoutMs` (the SDK's
 * requestTimeout only warns). Throws an Error naming the step that failed.
 */
export async function serveProbe(client: S3Client, bucket: string, timeoutMs: number): Promise<void> {
  const key = `${PROBE_PREFIX}/${Date.now()}-${randomBytes(4).toString('hex')}`;
  const body = `bf serve probe ${key}\n`;
  const cut = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new Error(`${what}: ${describeS3Error(e)}`, { cause: e });
    }
  };
  try {
    await step(`write ${key}`, () =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), cut()),
    );
    const back = await step(`read back ${key}`, async () => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), cut());
      return (await out.Body?.transformToString('utf8')) ?? '';
    });
    if (back !== body) {
      throw new Error(`read back ${key}: ${back.length} bytes that differ from the ${body.length} written`);
    }
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), cut()).catch(() => {});
  }
  await sweepProbes(client, bucket, cut);
}

/** A probe object older than this belongs to no running check (each takes seconds). */
const PROBE_ORPHAN_MS = 10 * 60_000;

/**
 * Deletes probe objects that checks cut off mid-way left (a store that took the write but could not serve the read
 * or the delete: SeaweedFS while it starts). Runs after a probe succeeded, so the store serves. Best effort.
 */
async function sweepProbes(client: S3Client, bucket: string, cut: () => { abortSignal: AbortSignal }) {
  try {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${PROBE_PREFIX}/` }),
      cut(),
    );
    const old = (page.Contents ?? [])
      .map((o) => o.Key ?? '')
      .filter((k) => {
        const made = Number(/^[^/]+\/(\d+)-/.exec(k)?.[1]);
        return made > 0 && Date.now() - made > PROBE_ORPHAN_MS;
      });
    if (old.length === 0) return;
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: old.map((Key) => ({ Key })), Quiet: true },
      }),
      cut(),
    );
  } catch {
    // Leftover probes are a few bytes; `bf lake verify --engine spark` names them.
  }
}

/** Object-level access to the lake bucket: staging uploads, small JSON documents, prefix deletes. */
export class S3Lake {
  readonly config: S3LakeConfig;
  readonly client: S3Client;

  constructor(config: S3LakeConfig, client?: S3Client) {
    this.config = config;
    this.client =
      client ??
      new S3Client({
        endpoint: config.endpoint,
        region: S3_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      });
  }

  /** `s3a://bucket/key`, the URL Spark's S3A file system reads. */
  s3aUrl(key: string): string {
    return `s3a://${this.config.bucket}/${key}`;
  }

  /** Key of a Delta table's directory. */
  tableKey(table: string): string {
    return `${this.config.prefix}/${table}`;
  }

  /** Fails with S3StoreError when the store is unreachable or the bucket is missing (or no answer in `timeoutMs`). */
  async checkBucket(timeoutMs?: number): Promise<void> {
    await this.call('check bucket', () =>
      this.client.send(
        new HeadBucketCommand({ Bucket: this.config.bucket }),
        timeoutMs === undefined ? {} : { abortSignal: AbortSignal.timeout(timeoutMs) },
      ),
    );
  }

  /**
   * The bucket answers and the store serves objects (serveProbe): what a job needs, where checkBucket proves only
   * that the store's metadata answers.
   */
  async checkServes(timeoutMs: number): Promise<void> {
    await this.checkBucket(timeoutMs);
    await this.call('serve an object', () => serveProbe(this.client, this.config.bucket, timeoutMs));
  }

  async putFile(key: string, path: string, contentType = 'application/octet-stream'): Promise<void> {
    const { size } = await stat(path);
    await this.call(`upload ${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          ContentType: contentType,
        }),
      ),
    );
  }

  async putText(key: string, text: string, contentType = 'application/json'): Promise<void> {
    await this.call(`upload ${key}`, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.config.bucket, Key: key, Body: text, ContentType: contentType }),
      ),
    );
  }

  /** The object's text, or null when there is no such key. */
  async getText(key: string): Promise<string | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return null;
      throw new S3StoreError(`read ${key}`, this.config, e);
    }
  }

  /** Keys under a prefix (all pages). */
  async list(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((o) => o.key);
  }

  /** Objects under a prefix with their sizes (all pages). */
  async listObjects(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Streams an object into a local file. */
  async download(key: string, path: string): Promise<void> {
    await this.call(`download ${key}`, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      if (!out.Body) throw new Error('empty response body');
      await pipeline(out.Body as Readable, createWriteStream(path));
    });
  }

  /** Deletes every object under a prefix; returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.call(`delete ${prefix}`, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.config.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
    }
    return keys.length;
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new S3StoreError(operation, this.config, e);
    }
  }
}
