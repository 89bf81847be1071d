/**
 * The S3 console (SeaweedFS's admin UI, service s3-console) against the real stack (locally built image): the S3
 * store and its console only. Run: flock /tmp/bf-stack.lock npx vitest run --project stack test/stack/s3-console.test.ts
 * Own project name and free host ports; torn down with its volumes at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPort, s3Settings } from '../../src/config/stack.ts';
import { S3ConsoleSession } from '../../src/infra/s3-console.ts';
import type { StartedStack } from '../../src/infra/stack.ts';
import { S3Lake, s3LakeConfig } from '../../src/lake/s3.ts';
import { infraHealthShape } from '../../src/report/schemas.ts';
import { BfError } from '../../src/util/errors.ts';
import { startTestStack } from '../support/stack.ts';

const BIN = resolve(import.meta.dirname, '../../bin/bf.js');
let env: NodeJS.ProcessEnv;
let stack: StartedStack;
let s3: S3Lake;
const url = () => `http://127.0.0.1:${hostPort('s3-console', 'ui', env)}`;

beforeAll(async () => {
  // bf infra start waits for the console's readiness check: login with the S3 credentials, bucket listed.
  ({ stack, env } = await startTestStack(['s3-console']));
  s3 = new S3Lake(s3LakeConfig(env));
}, 600_000);

afterAll(async () => {
  s3?.close();
  await stack?.down({ volumes: true });
}, 300_000);

describe('the S3 console (SeaweedFS admin UI) on BF_S3_CONSOLE_PORT', () => {
  it('starts with its dependency s3 and passed its readiness check', () => {
    expect(stack.services.sort()).toEqual(['s3', 's3-console']);
    const checks = stack.report.services.find((x) => x.service === 's3-console')?.checks.map((c) => c.name);
    expect(checks).toContain(`login + bucket ${s3Settings(env).bucket} listed`);
  });

  it('logs in with the S3 credentials, lists the bucket, browses a Delta-style folder and downloads byte for byte', async () => {
    const { accessKeyId, secretAccessKey, bucket } = s3Settings(env);
    const key = 'lake/prices/_delta_log/00000000000000000000.json';
    const body = `${JSON.stringify({ commitInfo: { operation: 'WRITE', nonce: randomBytes(8).toString('hex') } })}\n`;
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const session = await S3ConsoleSession.login(url(), accessKeyId, secretAccessKey);
    expect(await session.buckets()).toContain(bucket);
    const dir = await session.get(
      `/files?path=${encodeURIComponent(`/buckets/${bucket}/lake/prices/_delta_log`)}`,
    );
    expect(dir.status).toBe(200);
    expect(dir.text).toContain('00000000000000000000.json');
    const download = await session.get(
      `/api/files/download?path=${encodeURIComponent(`/buckets/${bucket}/${key}`)}`,
    );
    expect(download.status).toBe(200);
    expect(download.text).toBe(body);
  });

  it('refuses other credentials, and its pages redirect to the login without a session', async () => {
    const refused = S3ConsoleSession.login(url(), s3Settings(env).accessKeyId, 'wrong-password');
    await expect(refused).rejects.toBeInstanceOf(BfError);
    await expect(refused).rejects.toThrow(/login as \S+ refused/);
    const res = await fetch(`${url()}/files`, { redirect: 'manual' });
    expect([302, 303, 307]).toContain(res.status);
    expect(res.headers.get('location') ?? '').toMatch(/\/login/);
  });

  it('bf infra health checks it: login + bucket listed', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [BIN, 'infra', 'health', '--json', '--local', '--project', stack.project],
        { env },
        (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const report = infraHealthShape.parse(JSON.parse(r.stdout));
    const consoleHealth = report.services.find((x) => x.service === 's3-console')!;
    expect(consoleHealth).toMatchObject({ ok: true });
    expect(consoleHealth.checks.map((c) => c.name)).toContain(
      `login + bucket ${s3Settings(env).bucket} listed`,
    );
  });
});
