/**
 * The pull stage against the real Docker engine: a local registry peer stands in for a registry that
 * rate-limits (Docker Hub's 429 TOOMANYREQUESTS answer), which the daemon reaches over plain HTTP on 127.0.0.1.
 * Run: npx vitest run --project stack test/stack/pull.test.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeProject } from '../../src/infra/compose.ts';
import { PullError, pullImages } from '../../src/infra/pull.ts';

describe('pullImages on the real engine', () => {
  let server: Server;
  let port: number;
  let dir: string;
  const manifestRequests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const head = { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' };
      if (req.url === '/v2/') return void res.writeHead(200, head).end('{}');
      manifestRequests.push(`${req.method} ${req.url}`);
      res.writeHead(429, head).end(
        JSON.stringify({
          errors: [
            {
              code: 'TOOMANYREQUESTS',
              message:
                'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
            },
          ],
        }),
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'bf-pull-'));
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function project(services: Record<string, string>): Promise<ComposeProject> {
    const file = join(dir, `compose-${Object.keys(services).join('-')}.yml`);
    await writeFile(
      file,
      `services:\n${Object.entries(services)
        .map(([s, image]) => `  ${s}:\n    image: ${image}\n`)
        .join('')}`,
    );
    return new ComposeProject({ name: 'bf-pull-test', files: [file] });
  }

  it('retries a registry rate limit, then fails naming it and what to do', async () => {
    const image = `127.0.0.1:${port}/apache/kafka:4.1.1`;
    const compose = await project({ kafka: image });
    const err = (await pullImages({
      compose,
      images: (await compose.config()).images,
      attempts: 2,
      backoffMs: 50,
    }).catch((e: unknown) => e)) as PullError;
    expect(err).toBeInstanceOf(PullError);
    expect(err.kind).toBe('rate-limit');
    expect(err.message).toContain(
      `pulling ${image} for kafka failed after 2 attempt(s) (registry rate limit)`,
    );
    expect(err.hint).toContain('log in before the step');
    // Both attempts reached the registry (the daemon asks for the manifest on each).
    expect(new Set(manifestRequests.map((r) => r.replace(/^(GET|HEAD) /, ''))).size).toBeGreaterThan(0);
    expect(manifestRequests.length).toBeGreaterThanOrEqual(2);
  });

  it('an image already on the machine is not pulled', async () => {
    const compose = await project({ base: 'bf-local/debian:bookworm' });
    const before = manifestRequests.length;
    const pulls = await pullImages({ compose, images: (await compose.config()).images });
    expect(pulls).toMatchObject([{ service: 'base', outcome: 'present', attempts: 0 }]);
    expect(pulls[0]?.sizeBytes).toBeGreaterThan(1_000_000);
    expect(manifestRequests.length).toBe(before);
  });
});
