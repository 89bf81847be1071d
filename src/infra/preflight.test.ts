import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BfError } from '../util/errors.ts';
import { freePort } from '../util/net.ts';
import type { Exec } from './exec.ts';
import { checkComposeV2, checkDocker, checkPorts, checkResources, parseSsHolder } from './preflight.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
  });
}

/** An Exec that answers every call with the same result (for the docker/compose version probes). */
function answering(result: { exitCode: number; stdout?: string; stderr?: string }): Exec {
  const r = { command: 'docker', stdout: '', stderr: '', ...result };
  return {
    run: async () => r,
    tryRun: async () => r,
    tail: async () => ({ ...r, lines: [] }),
    stream: async () => r.exitCode,
  };
}

describe('checkPorts (real listener)', () => {
  it('names the port, the service and the process holding it', async () => {
    const port = await listen();
    const err = await checkPorts([
      { service: 's3', hostIp: '127.0.0.1', target: 9000, published: port },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    const msg = (err as BfError).message;
    expect(msg).toContain(`127.0.0.1:${port} (s3, container port 9000) is in use`);
    // ss is on this machine: the holder is this very test process.
    expect(msg).toContain(`pid ${process.pid}`);
    expect((err as BfError).hint).toContain('BF_S3_PORT');
  });

  it('passes free ports and skips the project own ports', async () => {
    const port = await listen();
    await expect(
      checkPorts([{ service: 'kafka', hostIp: '127.0.0.1', target: 9092, published: port }], {
        skip: new Set([port]),
      }),
    ).resolves.toBeUndefined();
  });
});

describe('checkPorts asks for the project own ports only when a port is refused', () => {
  it('free ports: the in-process bind alone, no look-up', async () => {
    const port = await freePort();
    let asked = 0;
    await checkPorts([{ service: 's3', hostIp: '127.0.0.1', target: 9000, published: port }], {
      skip: async () => {
        asked++;
        return new Set();
      },
    });
    expect(asked).toBe(0);
  });

  it('a refused port that the project itself publishes passes', async () => {
    const port = await listen();
    let asked = 0;
    await checkPorts([{ service: 's3', hostIp: '127.0.0.1', target: 9000, published: port }], {
      skip: async () => {
        asked++;
        return new Set([port]);
      },
    });
    expect(asked).toBe(1);
  });
});

describe('parseSsHolder', () => {
  const out = [
    'LISTEN 0      511        127.0.0.1:9200       0.0.0.0:*    users:(("node",pid=4242,fd=21))',
    'LISTEN 0      4096       0.0.0.0:9092         0.0.0.0:*',
  ].join('\n');
  it('reads the process name and pid', () => expect(parseSsHolder(out, 9200)).toBe('node (pid 4242)'));
  it('says when the process is hidden', () => expect(parseSsHolder(out, 9092)).toContain('sudo ss'));
  it('is undefined for another port', () => expect(parseSsHolder(out, 920)).toBeUndefined());
});

describe('docker and compose probes', () => {
  it('daemon down is a named error', async () => {
    const err = await checkDocker(
      answering({ exitCode: 1, stderr: 'Cannot connect to the Docker daemon' }),
    ).catch((e: unknown) => e);
    expect((err as BfError).message).toMatch(/Docker daemon not reachable: Cannot connect/);
  });
  it('missing docker CLI is a named error', async () => {
    const err = await checkDocker({
      ...answering({ exitCode: 0 }),
      tryRun: () => import('./exec.ts').then((m) => m.execaExec.tryRun('bf-no-such-docker', [])),
    }).catch((e: unknown) => e);
    expect((err as BfError).message).toBe('docker CLI not found on PATH');
  });
  it('compose v1 is rejected', async () => {
    await expect(checkComposeV2(answering({ exitCode: 0, stdout: '1.29.2' }))).rejects.toThrow(
      /Compose v2 not found/,
    );
  });
  it('compose v2 passes', async () => {
    await expect(checkComposeV2(answering({ exitCode: 0, stdout: 'v2.26.1\n' }))).resolves.toBe('2.26.1');
  });
});

describe('checkResources', () => {
  const gib = 1024 ** 3;
  it('rejects too little memory', () =>
    expect(() => checkResources(1 * gib, { bytes: 100 * gib, path: '/' })).toThrow(
      /not enough memory.*1\.0 GiB/,
    ));
  it('rejects too little disk and names the path', () =>
    expect(() => checkResources(16 * gib, { bytes: gib, path: '/var/lib/docker' })).toThrow(
      /\/var\/lib\/docker/,
    ));
  it('passes enough of both', () =>
    expect(() => checkResources(16 * gib, { bytes: 100 * gib, path: '/' })).not.toThrow());
});
